"""The checker never crashes: damaged rule files give diagnostics with valid spans.

Hypothesis damages the campaign files (truncation, deleted / duplicated / swapped
lines, inserted characters and bytes) and checks that `check_source` always returns a
report whose every diagnostic points inside the file and renders.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rulekit.checker import CheckReport, check_source
from rulekit.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    (ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8"),
    (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8"),
]
PATH = "damaged.rules"
# 40 examples per property, 200 in all: parsing dominates (~30 ms a file), keeping this file near 10 s.
EXAMPLES = settings(max_examples=40, deadline=None)


def _assert_sound(source: str) -> None:
    report = check_source(source, PATH)
    assert isinstance(report, CheckReport)
    lines = source.splitlines()
    last_line = max(1, len(lines))
    for diag in report.diagnostics:
        span = diag.span
        assert diag.code != "RK900", diag.message  # an internal error is a checker bug
        assert span.file == PATH
        assert 1 <= span.line <= last_line, (diag, last_line)
        assert span.column >= 1
        assert (span.end_line, span.end_column) > (span.line, span.column), diag
        if span.line <= len(lines):
            assert span.column <= len(lines[span.line - 1]) + 1, diag
        assert render(diag, source).startswith(f"{PATH}:{span.line}:{span.column}: ")
    if report.ok:
        assert report.max_payout is None or report.max_payout.amount >= 0


source_index = st.integers(0, len(SOURCES) - 1)


@EXAMPLES
@given(source_index, st.floats(0, 1))
def test_truncated_anywhere(which: int, fraction: float) -> None:
    source = SOURCES[which]
    _assert_sound(source[: int(len(source) * fraction)])


@EXAMPLES
@given(source_index, st.data())
def test_lines_deleted_duplicated_or_swapped(which: int, data: st.DataObject) -> None:
    lines = SOURCES[which].splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        j = data.draw(st.integers(0, len(lines) - 1))
        operation = data.draw(st.sampled_from(["delete", "duplicate", "swap"]))
        if operation == "delete" and len(lines) > 1:
            del lines[i]
        elif operation == "duplicate":
            lines.insert(j, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
    _assert_sound("".join(lines))


@EXAMPLES
@given(source_index, st.data())
def test_random_characters_inserted(which: int, data: st.DataObject) -> None:
    source = SOURCES[which]
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(source)))
        junk = data.draw(st.text(alphabet=st.characters(), max_size=8) | st.sampled_from(list(':()$%,."\t\n #=/')))
        source = source[:at] + junk + source[at:]
    _assert_sound(source)


@EXAMPLES
@given(source_index, st.integers(0, 10_000), st.binary(min_size=1, max_size=16))
def test_random_bytes_inserted(which: int, at: int, junk: bytes) -> None:
    raw = SOURCES[which].encode("utf-8")
    at = at % (len(raw) + 1)
    damaged = raw[:at] + junk + raw[at:]
    _assert_sound(damaged.decode("utf-8", errors="replace"))


@EXAMPLES
@given(source_index, st.data())
def test_words_replaced_by_other_words(which: int, data: st.DataObject) -> None:
    # Swapping names and keywords keeps the syntax plausible, so it reaches the checks.
    words = SOURCES[which].split(" ")
    vocabulary = sorted({w.strip(":\n") for w in words if w.strip(":\n").isidentifier()})
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(words) - 1))
        words[i] = data.draw(st.sampled_from(vocabulary)) + ("\n" if words[i].endswith("\n") else "")
    _assert_sound(" ".join(words))
