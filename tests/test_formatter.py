"""``rulekit fmt``: canonical layout, idempotence, comments kept, meaning never changed."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rulekit import formatter
from rulekit.cli import app
from rulekit.formatter import format_file, format_source
from rulekit.parser import parse

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGNS = sorted((ROOT / "campaigns").glob("*.rules"))
FIXTURES = ROOT / "tests" / "fixtures" / "fmt"


def comments_of(text: str) -> list[str]:
    """Comment texts in order, found by scanning characters (independent of the formatter's tokens)."""
    found: list[str] = []
    for line in text.splitlines():
        in_string = escaped = False
        for index, char in enumerate(line):
            if in_string:
                escaped = not escaped and char == "\\"
                if char == '"' and not escaped:
                    in_string = False
            elif char == '"':
                in_string = True
            elif char == "#":
                found.append(line[index:].rstrip())
                break
    return found


# ------------------------------------------------------------------------- campaigns


@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.name)
def test_campaign_files_are_canonical(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    result = format_source(source, str(path))
    assert result.diagnostics == ()
    assert result.formatted == source, "run `rulekit fmt campaigns/*.rules`"


@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.name)
def test_campaign_ir_and_comments_survive_formatting(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    formatted = format_source(source, str(path)).formatted
    assert formatted is not None
    assert parse(formatted, str(path)).program == parse(source, str(path)).program
    assert comments_of(formatted) == comments_of(source)
    assert len(comments_of(source)) >= 5  # the campaigns do carry ASSUMPTION comments


# -------------------------------------------------------------------------- fixtures


def test_pinned_before_and_after() -> None:
    before = (FIXTURES / "messy.rules").read_text(encoding="utf-8")
    after = (FIXTURES / "messy.expected.rules").read_text(encoding="utf-8")
    result = format_source(before, "messy.rules")
    assert result.formatted == after
    assert result.changed


def test_pinned_fixture_meaning_and_comments_are_kept() -> None:
    before = (FIXTURES / "messy.rules").read_text(encoding="utf-8")
    after = (FIXTURES / "messy.expected.rules").read_text(encoding="utf-8")
    assert parse(before).diagnostics == ()
    assert parse(after).program == parse(before).program
    # Comment text is kept verbatim except for trailing whitespace.
    assert comments_of(after) == [c.rstrip() for c in comments_of(before)]
    assert len(comments_of(before)) == 8


def test_formatting_twice_changes_nothing() -> None:
    after = (FIXTURES / "messy.expected.rules").read_text(encoding="utf-8")
    result = format_source(after)
    assert result.formatted == after
    assert not result.changed


# ---------------------------------------------------------------------- small cases


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("rebate r: 2% of x\n  budget: $10000\n", "rebate r: 2% of x\n  budget: $10,000\n"),
        ("rebate r: 2% of x\n  budget: £1234567.5\n", "rebate r: 2% of x\n  budget: £1,234,567.5\n"),
        ("rebate r: 2% of x\n  budget: €5\n", "rebate r: 2% of x\n  budget: €5\n"),
        ("gate g: x > 14 hour\n", "gate g: x > 14 hours\n"),
        ("gate g: x > 1 hours\n", "gate g: x > 1 hour\n"),
        ("gate g: x > 1.5   minute\n", "gate g: x > 1.5 minutes\n"),
        ("payout:\n  due: 1 business days after w\n", "payout:\n  due: 1 business day after w\n"),
        ("payout:\n  due:20   business   day after w\n", "payout:\n  due: 20 business days after w\n"),
        ("prize p: ranking r\n  pool\tcap : $5\n", "prize p: ranking r\n  pool cap: $5\n"),
        ("eligible e: t.c in(1,2 , 3)\n", "eligible e: t.c in (1, 2, 3)\n"),
        ("eligible e: not(a or b)and c\n", "eligible e: not (a or b) and c\n"),
        ('eligible e: x = "a  #  b"   # c  \n', 'eligible e: x = "a  #  b"  # c\n'),
    ],
)
def test_token_spacing_and_literal_spelling(source: str, expected: str) -> None:
    result = format_source(source)
    assert result.formatted == expected


def test_blank_lines_between_items_and_in_comment_blocks() -> None:
    source = "\n\n# one\n\n\n# two\nparticipant a: t\nmember m: u\n\n\n\nwindow w: first 9 days from j\n\n\n"
    expected = "# one\n\n# two\nparticipant a: t\n\nmember m: u\n\nwindow w: first 9 days from j\n"
    assert format_source(source).formatted == expected


def test_comment_indentation_follows_the_next_line() -> None:
    source = (
        "table t:\n# inside\n    a: string\n        # still inside\n    b: int\n  # before the next item\nmember m: t\n"
    )
    expected = "table t:\n  # inside\n  a: string\n  # still inside\n  b: int\n\n# before the next item\nmember m: t\n"
    assert format_source(source).formatted == expected


def test_continuation_lines_inside_parentheses() -> None:
    source = 'eligible e: x in ("a",\n "b",   # why b\n           "c")\n  note: "n"\n'
    expected = 'eligible e: x in ("a",\n    "b",  # why b\n    "c")\n  note: "n"\n'
    assert format_source(source).formatted == expected


def test_a_file_with_syntax_errors_is_not_formatted() -> None:
    result = format_source("metric m = count\nwindow w from 2022-01-01\n", "bad.rules")
    assert result.formatted is None
    assert not result.ok and not result.changed
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("RK001", 1), ("RK001", 2)]


def test_output_that_would_change_meaning_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulate a formatter bug that drops the last line: the safety net must refuse.
    real_emit = formatter._emit
    monkeypatch.setattr(formatter, "_emit", lambda lines: "".join(real_emit(lines).splitlines(True)[:-1]))
    result = format_source("ranking r: by x descending\n  top 5\n")
    assert result.formatted is None
    assert [d.code for d in result.diagnostics] == ["RK901"]
    assert "meaning" in result.diagnostics[0].message


def test_output_that_would_lose_a_comment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real_emit = formatter._emit
    monkeypatch.setattr(formatter, "_emit", lambda lines: real_emit(lines).replace("  # keep me", ""))
    result = format_source("ranking r: by x descending  # keep me\n  top 5\n")
    assert result.formatted is None
    assert [d.code for d in result.diagnostics] == ["RK901"]
    assert "comments" in result.diagnostics[0].message


def test_format_file_reports_an_unreadable_file(tmp_path: Path) -> None:
    result = format_file(str(tmp_path / "missing.rules"))
    assert result.formatted is None
    assert [d.code for d in result.diagnostics] == ["RK003"]


# ------------------------------------------------------------- generated variations

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _respace(code: str, rnd: random.Random) -> str:
    """Random whitespace where whitespace is allowed, outside quoted text."""
    pieces: list[str] = []
    last = 0
    for match in _STRING.finditer(code):
        pieces.append(_respace_plain(code[last : match.start()], rnd))
        pieces.append(match.group())
        last = match.end()
    pieces.append(_respace_plain(code[last:], rnd))
    return "".join(pieces)


def _respace_plain(text: str, rnd: random.Random) -> str:
    gap = lambda: rnd.choice([" ", "  ", "\t", " \t ", "   "])  # noqa: E731
    text = re.sub(r" ", lambda _: gap(), text)
    # Optional space before `:` and `,` after a name (never inside `09:00` or `$4,000`).
    text = re.sub(r"(?<=[A-Za-z_])([:,])", lambda m: rnd.choice(["", " "]) + m.group(1), text)
    text = re.sub(r"([$£€])(\d{1,3}(?:,\d{3})+)", lambda m: m.group(1) + m.group(2).replace(",", ""), text)
    # `14 hours` may become `14 hour`; the formatter restores the plural.
    text = re.sub(r"\b(\d+\s+(?:hour|day|minute|week|second))s\b", lambda m: m.group(1) + rnd.choice(["", "s"]), text)
    return text


def _variation(canonical: str, rnd: random.Random) -> str:
    out: list[str] = []
    indent = "  "
    for line in canonical.splitlines():
        if not line:
            out.extend([""] * rnd.randint(1, 3))
            continue
        if not line[0].isspace() and not line.startswith("#"):
            indent = rnd.choice([" ", "  ", "   ", "    ", "\t"])  # one indentation per block
        body = line.strip()
        code, _, comment = body.partition("  #") if not body.startswith("#") else ("", "", body[1:])
        new = _respace(code, rnd) if code else ""
        if comment or body.startswith("#"):
            new += (" " * rnd.randint(1, 4) if code else "") + "#" + comment
        lead = indent if line[0].isspace() else ""
        if body.startswith("|"):  # the rows of a `given T:` table sit deeper than the block's lines
            lead = indent * 2
        if body.startswith("#") and line[0].isspace():
            lead = rnd.choice(["", " ", indent, "      "])
        out.append(lead + new + rnd.choice(["", " ", "\t", "  "]))
    return "\n" * rnd.randint(0, 2) + "\n".join(out) + "\n" * rnd.randint(1, 3)


@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.name)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(rnd=st.randoms(use_true_random=False))
def test_respaced_campaigns_format_back_to_the_canonical_text(path: Path, rnd: random.Random) -> None:
    canonical = path.read_text(encoding="utf-8")
    messy = _variation(canonical, rnd)
    assert parse(messy).program == parse(canonical).program  # the variation means the same
    result = format_source(messy)
    assert result.formatted == canonical
    assert comments_of(result.formatted) == comments_of(canonical)


# ----------------------------------------------------------------------------- CLI

runner = CliRunner()


def _messy_copy(tmp_path: Path) -> Path:
    target = tmp_path / "messy.rules"
    target.write_text((FIXTURES / "messy.rules").read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_cli_check_lists_files_that_would_change_and_writes_nothing(tmp_path: Path) -> None:
    target = _messy_copy(tmp_path)
    before = target.read_text(encoding="utf-8")
    result = runner.invoke(app, ["fmt", "--check", str(target), *map(str, CAMPAIGNS)])
    assert result.exit_code == 1
    assert f"would reformat {target}" in result.output
    assert "apollo" not in result.output.replace("already", "")
    assert target.read_text(encoding="utf-8") == before


def test_cli_check_passes_on_the_campaigns() -> None:
    result = runner.invoke(app, ["fmt", "--check", *map(str, CAMPAIGNS)])
    assert result.exit_code == 0, result.output


def test_cli_diff_prints_a_unified_diff(tmp_path: Path) -> None:
    target = _messy_copy(tmp_path)
    result = runner.invoke(app, ["fmt", "--diff", str(target)])
    assert result.exit_code == 0
    assert f"--- {target} (original)" in result.output
    assert "-program demo :\n" in result.output
    assert "+program demo:\n" in result.output
    assert target.read_text(encoding="utf-8") == (FIXTURES / "messy.rules").read_text(encoding="utf-8")


def test_cli_rewrites_files_in_place(tmp_path: Path) -> None:
    target = _messy_copy(tmp_path)
    result = runner.invoke(app, ["fmt", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == (FIXTURES / "messy.expected.rules").read_text(encoding="utf-8")
    again = runner.invoke(app, ["fmt", "--check", str(target)])
    assert again.exit_code == 0


def test_cli_reports_syntax_errors_and_leaves_the_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "bad.rules"
    target.write_text("metric m = count\n", encoding="utf-8")
    result = runner.invoke(app, ["fmt", str(target)])
    assert result.exit_code == 1
    assert f"{target}:1:17: error[RK001]" in result.output
    assert "Traceback" not in result.output
    assert target.read_text(encoding="utf-8") == "metric m = count\n"


# ---------------------------------------------------------------------------- docs


def _code_after(doc: str, marker: str) -> str:
    """The first fenced code block after `marker` in a Markdown text."""
    rest = doc[doc.index(marker) :]
    start = rest.index("```\n") + 4
    return rest[start : rest.index("```", start)]


def test_the_example_in_docs_fmt_is_what_the_formatter_does() -> None:
    doc = (ROOT / "docs" / "fmt.md").read_text(encoding="utf-8")
    before, after = _code_after(doc, "Before:"), _code_after(doc, "After:")
    assert format_source(before).formatted == after


def test_every_example_in_docs_language_parses_and_is_canonical() -> None:
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```\n(.*?)^```", doc, flags=re.S | re.M)
    assert len(blocks) >= 15
    for block in blocks:
        assert parse(block).diagnostics == (), block
    # The complete program at the top is shown in the canonical layout.
    assert format_source(blocks[0]).formatted == blocks[0]


_JUNK = [*':()$%,."\t #=/\\', "\n", "\n\n", "\n  ", "\n  # c\n", "# c"]


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_damaged_files_never_crash_and_formatted_output_is_a_fixed_point(data: st.DataObject) -> None:
    lines = data.draw(st.sampled_from(CAMPAIGNS)).read_text(encoding="utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line[:1].isalpha()]
    first = data.draw(st.sampled_from(starts))
    source = "".join(lines[first : first + data.draw(st.integers(1, 30))])
    for _ in range(data.draw(st.integers(1, 2))):
        gaps = [i for i, char in enumerate(source) if char in " \n"]
        at = data.draw(st.sampled_from(gaps))
        source = source[:at] + data.draw(st.sampled_from(_JUNK)) + source[at:]
    result = format_source(source, "damaged.rules")
    if result.formatted is None:
        assert result.diagnostics and all(d.code != "RK901" for d in result.diagnostics)
        return
    assert parse(result.formatted).program == parse(source).program
    assert format_source(result.formatted).formatted == result.formatted


def test_example_tables_are_indented_and_their_bars_aligned() -> None:
    source = (
        "program p:\n  currency: USD\n\ntable t:\n  a: string\n  b: money\n\n"
        "example e:\n"
        "  given t:\n"
        "      |a|   b |\n"
        "    # a comment between rows keeps the run aligned\n"
        '      | "long value" | $1000 |  # end\n'
        "      |null|$2|\n"
    )
    result = format_source(source)
    assert result.ok, result.diagnostics
    # Widths by hand: column a is as wide as `"long value"` (12), column b as `$1,000` (6).
    assert result.formatted is not None
    assert result.formatted.endswith(
        "example e:\n"
        "  given t:\n"
        "    | a            | b      |\n"
        "    # a comment between rows keeps the run aligned\n"
        '    | "long value" | $1,000 |  # end\n'
        "    | null         | $2     |\n"
    )
    assert format_source(result.formatted).formatted == result.formatted


def test_fmt_json_reports_each_file_and_writes_like_human(tmp_path: Path) -> None:
    import json

    clean, messy, broken = tmp_path / "clean.rules", tmp_path / "messy.rules", tmp_path / "broken.rules"
    clean.write_text((FIXTURES / "messy.expected.rules").read_text(encoding="utf-8"), encoding="utf-8")
    messy.write_text((FIXTURES / "messy.rules").read_text(encoding="utf-8"), encoding="utf-8")
    broken.write_text("program p:\n  currency USD\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["fmt", "--format", "json", str(clean), str(messy), str(broken)])
    assert result.exit_code == 1  # the broken file
    records = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert records["clean.rules"] == {"file": str(clean), "ok": True, "changed": False, "written": False}
    assert records["messy.rules"]["changed"] is True and records["messy.rules"]["written"] is True
    assert records["broken.rules"]["ok"] is False and records["broken.rules"]["diagnostics"][0]["code"] == "RK001"
    # Written exactly as the human form writes it.
    assert messy.read_text(encoding="utf-8") == (FIXTURES / "messy.expected.rules").read_text(encoding="utf-8")


def _interactive_tokens(source: str) -> dict[int, list[tuple[str, str, int | None]]]:
    """Code tokens by 0-based file line, from Lark's interactive parser: an oracle apart
    from the recording the formatter uses (the formatter lexed this way before)."""
    from rulekit.parser import _chunks, _lark

    by_line: dict[int, list[tuple[str, str, int | None]]] = {}
    for chunk in _chunks(source):
        for token in _lark().parse_interactive(chunk.text).iter_parse():
            if token.type not in ("_NL", "_INDENT", "_DEDENT") and token.line is not None:
                line = chunk.first_line - 1 + token.line - 1
                by_line.setdefault(line, []).append((token.type, str(token), token.end_column))
    return by_line


@pytest.mark.parametrize("path", [*CAMPAIGNS, *sorted(FIXTURES.glob("*.rules"))], ids=lambda p: p.name)
def test_the_recorded_tokens_are_the_lexers(path: Path) -> None:
    from rulekit.formatter import _code_tokens
    from rulekit.parser import parse_recording

    source = path.read_text(encoding="utf-8")
    _, recording = parse_recording(source, str(path))
    recorded = {
        line: [(t.type, str(t), t.end_column) for t in tokens] for line, tokens in _code_tokens(recording).items()
    }
    assert recorded == _interactive_tokens(source)


def test_verification_reparses_only_changed_items() -> None:
    from rulekit.parser import parse_recording

    source = "table orders:\n  order_id: string\n  key: order_id\n\ntable sellers:\n  seller_id:   string\n"
    first, recording = parse_recording(source, "x.rules")
    changed = source.replace("seller_id:   string", "seller_id: string")
    again, second = parse_recording(changed, "x.rules", known=recording)
    assert again.program == first.program
    # The unchanged first item is reused: its IR object is the very one parsed before.
    assert again.program.tables[0] is first.program.tables[0]
    assert again.program.tables[1] is not first.program.tables[1]
    # Its tokens are recorded again at the same lines (0-based line 1: `order_id: string`).
    assert [str(t) for t in second.tokens[1] if t.type not in ("_NL", "_INDENT", "_DEDENT")] == [
        "order_id",
        ":",
        "string",
    ]


def test_a_money_literal_of_thousands_of_digits_is_grouped_not_a_crash() -> None:
    # Found by the 100,000-file fuzz run: `int()` refuses text over 4,300 digits, so fmt
    # exited 3 on `$1000…0` (46,875 digits). The grouping is now done on the text; the
    # checker, not fmt, says the amount is too large.
    import sys

    digits = "7" + "0" * 4999
    source = Path("campaigns/apollo.rules").read_text(encoding="utf-8").replace("rank 2: $2,500", f"rank 2: ${digits}")
    out = formatter.format_source(source, "huge.rules").formatted
    assert out is not None
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # the expected text, worked out by Python's own grouping
    try:
        grouped = f"{int(digits):,}"
    finally:
        sys.set_int_max_str_digits(previous)
    assert f"rank 2: ${grouped}\n" in out
    result = CliRunner().invoke(app, ["check", "-"], input=source)
    assert result.exit_code == 1 and "internal error" not in result.output
