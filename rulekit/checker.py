"""The checker: every problem of a rule file in one pass, as diagnostics.

``check_file`` / ``check_source`` parse and check; ``check_program`` checks a parsed
program. The individual checks live in :mod:`rulekit.checks`; codes are documented
in ``docs/diagnostics.md``. Nothing here raises for any file content: an unexpected
failure inside a check becomes an ``RK900`` diagnostic rather than a traceback.

The name-resolution view (:func:`resolve_name`, :func:`metric_type`) is re-exported
for the compilers, which run on checked programs.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from rulekit import codes, ir
from rulekit.checks.asof import check_asof
from rulekit.checks.budgets import check_budgets  # issue 10, construct 6 (budgets per period)
from rulekit.checks.clauses import check_clauses
from rulekit.checks.context import Context
from rulekit.checks.limits import check_limits
from rulekit.checks.links import check_links
from rulekit.checks.metrics import check_metrics
from rulekit.checks.periods import check_periods  # issue 10, construct 6 (periods)
from rulekit.checks.rewards import check_rankings, check_rewards
from rulekit.checks.structure import check_duplicates, check_structure, check_tables
from rulekit.checks.timing import check_currencies, check_header, check_payout, check_windows
from rulekit.checks.usage import check_usage
from rulekit.contract import member_key, participant_key
from rulekit.diagnostics import Diagnostic, error, has_errors, sort_key
from rulekit.fixes import with_fixes
from rulekit.liability import maximum_payout
from rulekit.parser import parse, parse_file
from rulekit.plan.names import (
    MEMBER_SCOPE,
    PARTICIPANT_SCOPE,
    NameKind,
    ResolvedName,
    Scope,
    ScopeKind,
    is_member_metric,
    metric_type,
    resolve_name,
)

__all__ = [
    "MEMBER_SCOPE",
    "PARTICIPANT_SCOPE",
    "CheckReport",
    "NameKind",
    "ResolvedName",
    "Scope",
    "ScopeKind",
    "check_file",
    "check_program",
    "check_source",
    "is_member_metric",
    "member_key",
    "metric_type",
    "participant_key",
    "resolve_name",
]

_CHECKS: tuple[Callable[[Context], None], ...] = (
    check_structure,
    check_header,
    check_tables,
    check_duplicates,
    check_windows,
    check_metrics,
    check_links,
    check_clauses,
    check_rankings,
    check_rewards,
    check_payout,
    check_periods,  # issue 10, construct 6 (periods)
    check_budgets,  # issue 10, construct 6 (budgets per period)
    check_currencies,
    check_usage,
    check_asof,  # as-of values (issue 10)
)


def _check_examples(ctx: Context) -> None:
    # Imported here: the examples package pulls in the engines, which `check` alone never needs.
    from rulekit.examples.validate import check_examples

    ctx.diagnostics.extend(check_examples(ctx.program))


@dataclass(frozen=True)
class CheckReport:
    """A checked file: its program, its source text and every diagnostic, by position."""

    program: ir.Program
    source: str
    diagnostics: tuple[Diagnostic, ...]
    max_payout: ir.Money | None  # None when some reward is unbounded or there are errors
    digest: str = ""  # SHA-256 of the file's bytes as read (of the text's UTF-8 for a string)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings are allowed)."""
        return not has_errors(self.diagnostics)


def check_program(program: ir.Program) -> list[Diagnostic]:
    """Every semantic problem of ``program`` (not its syntax errors), sorted by position."""
    ctx = Context(program)
    check_limits(ctx)
    if has_errors(ctx.diagnostics):
        # Values or sizes beyond the limits: the other checks (and every later stage)
        # rely on them being in range, so only the limits are reported.
        return sorted(_unique(ctx.diagnostics), key=sort_key)
    for check in (*_CHECKS, _check_examples):
        try:
            check(ctx)
        except Exception as exc:  # a checker bug must not hide the other checks' findings
            ctx.diagnostics.append(_internal(program, check, exc))
    return sorted(_unique(ctx.diagnostics), key=sort_key)


def check_source(source: str, path: str = "<string>") -> CheckReport:
    """Parse and check rule-file text."""
    try:
        parsed = parse(source, path)
    except RecursionError:
        program = ir.Program(None, source=source, path=path)
        return CheckReport(program, source, (_too_deep(path),), None)
    except Exception as exc:  # the parser reports problems as diagnostics; this is a last resort
        program = ir.Program(None, source=source, path=path)
        return CheckReport(program, source, (_internal(program, parse, exc),), None)
    return _report(parsed.program, source, parsed.diagnostics, parsed.digest)


def check_file(path: str) -> CheckReport:
    """Read, parse and check a file. Never raises: unreadable files are RK003."""
    try:
        parsed, source = parse_file(path)
    except RecursionError:
        return CheckReport(ir.Program(None, path=path), "", (_too_deep(path),), None)
    except Exception as exc:
        program = ir.Program(None, path=path)
        return CheckReport(program, "", (_internal(program, parse_file, exc),), None)
    return _report(parsed.program, source, parsed.diagnostics, parsed.digest)


def _report(program: ir.Program, source: str, parse_diagnostics: tuple[Diagnostic, ...], digest: str) -> CheckReport:
    unreadable = any(d.code == codes.RK003 for d in parse_diagnostics)
    checked = [] if unreadable else _without_follow_ons(check_program(program), parse_diagnostics, source)
    found = list(parse_diagnostics) + checked
    diagnostics = with_fixes(sorted(_unique(found), key=sort_key), source)
    payout = None if has_errors(diagnostics) else maximum_payout(program)
    return CheckReport(program, source, diagnostics, payout, digest)


# Findings that only say a declaration is not used: a use on a line that failed to parse
# is invisible to the checker, so these would be follow-ons of the syntax error.
_UNUSED_CODES = frozenset({codes.RK601, codes.RK602})
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _without_follow_ons(
    checked: list[Diagnostic], parse_diagnostics: tuple[Diagnostic, ...], source: str
) -> list[Diagnostic]:
    """Drop "not used" warnings about names that appear in an item that failed to parse."""
    failed = [d.span.line for d in parse_diagnostics if d.is_error]
    if not failed:
        return checked
    lines = source.splitlines()
    items = _item_ranges(lines)
    starts = [item.start for item in items]
    # Each failed item is read once: a file with thousands of syntax errors in one long
    # item read that item once per error (9 s of `rulekit check` on a 70 KB fuzzed file).
    failed_items = {bisect.bisect_right(starts, max(min(line, len(lines)) - 1, 0)) - 1 for line in failed}
    words: set[str] = set()
    for index in failed_items:
        if index >= 0:
            words.update(_WORD.findall("\n".join(lines[i] for i in items[index])))
    return [d for d in checked if not (d.code in _UNUSED_CODES and _declared_name(d) in words)]


def _item_ranges(lines: list[str]) -> list[range]:
    """0-based line indexes of each item: from a line starting in column 0 (not a comment)
    to the next one; lines before the first such line belong to the first item."""
    starts = [0] + [
        i for i, text in enumerate(lines) if i and text and not text[0].isspace() and not text.startswith("#")
    ]
    return [range(start, end) for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)]


def _declared_name(diagnostic: Diagnostic) -> str | None:
    """The name an RK601/RK602 warning is about: the word after `metric`/`window`."""
    match = re.search(r"`([^`]+)`", diagnostic.message)
    return match.group(1) if match else None


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    # The same finding can be reached twice (a name used in two roles); report it once.
    return list(dict.fromkeys(diagnostics))


def _too_deep(path: str) -> Diagnostic:
    return error(
        codes.RK001,
        "expressions are nested too deeply to read",
        ir.Span(path, 1, 1, 1, 2),
        "split the condition into several clauses or metrics",
    )


def _internal(program: ir.Program, where: Callable[..., object], exc: Exception) -> Diagnostic:
    return error(
        codes.RK900,
        f"internal error in {getattr(where, '__name__', 'the checker')}: {type(exc).__name__}: {exc}",
        ir.Span(program.path, 1, 1, 1, 2),
        "this is a bug in rulekit, not in your file; please report it with the file",
    )
