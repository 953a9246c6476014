"""`rulekit lsp` end to end: a real client speaks LSP to the server over its stdio.

Positions are 0-based lines and characters, read off `campaigns/apollo.rules` by hand
(each test first checks the line still says what the comment quotes).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lsp_client import LspClient, LspError

ROOT = Path(__file__).resolve().parent.parent
APOLLO = (ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8")
LINES = APOLLO.split("\n")


@pytest.fixture(scope="module")
def client() -> Iterator[LspClient]:
    lsp = LspClient([sys.executable, "-m", "rulekit", "lsp"], cwd=str(ROOT))
    try:
        capabilities = lsp.initialize(ROOT.as_uri())
        assert capabilities["hoverProvider"] and capabilities["renameProvider"]
        yield lsp
    finally:
        if lsp.process.poll() is None:
            lsp.process.kill()
            lsp.process.wait(5)


def _open(client: LspClient, tmp_path: Path, text: str = APOLLO, name: str = "apollo.rules") -> str:
    """Open a document and wait for its first diagnostics (the first check warms the server up)."""
    uri = (tmp_path / name).as_uri()
    sent = client.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rulekit", "version": 1, "text": text}}
    )
    client.wait_notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, after=sent, timeout=30)
    return uri


def _pos(line: int, character: int) -> dict[str, int]:
    return {"line": line, "character": character}


def _range(line: int, start: int, end: int) -> dict[str, dict[str, int]]:
    return {"start": _pos(line, start), "end": _pos(line, end)}


def _change(client: LspClient, uri: str, version: int, range_: dict[str, Any], text: str) -> float:
    change = {"range": range_, "text": text}
    return client.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
    )


def _diagnostics_after(client: LspClient, uri: str, sent: float, timeout: float) -> tuple[float, list[Any]]:
    at, params = client.wait_notification(
        "textDocument/publishDiagnostics", lambda p: p["uri"] == uri, after=sent, timeout=timeout
    )
    return at, params["diagnostics"]


def _apply(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply one-line TextEdits (the only kind these tests expect), last first."""
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]))[::-1]:
        start, end = edit["range"]["start"], edit["range"]["end"]
        assert start["line"] == end["line"]
        line = lines[start["line"]]
        lines[start["line"]] = line[: start["character"]] + edit["newText"] + line[end["character"] :]
    return "\n".join(lines)


# line 59: `metric product_uv = count distinct viewer_id in product_views during activity`;
# "metric product_uv = count distinct viewer_id in " is 7+10+3+6+9+10+3 = 48 characters.
TYPO_LINE, TYPO_START = 58, 48


def test_typo_is_diagnosed_within_a_second_and_the_quick_fix_makes_the_file_clean(
    client: LspClient, tmp_path: Path
) -> None:
    assert LINES[TYPO_LINE][TYPO_START:].startswith("product_views during")
    uri = _open(client, tmp_path)
    sent = _change(client, uri, 2, _range(TYPO_LINE, TYPO_START, TYPO_START + len("product_views")), "product_view")
    at, found = _diagnostics_after(client, uri, sent, timeout=1.0)
    assert at - sent < 1.0
    [typo] = [d for d in found if d["code"] == "RK101"]
    assert typo["severity"] == 1  # Error
    assert typo["range"] == _range(TYPO_LINE, TYPO_START, TYPO_START + len("product_view"))
    assert "unknown table `product_view`" in typo["message"]
    assert "did you mean `product_views`?" in typo["message"]

    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": typo["range"], "context": {"diagnostics": [typo]}},
    )
    [fix] = actions
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    [edit] = fix["edit"]["changes"][uri]
    assert edit == {"range": typo["range"], "newText": "product_views"}

    sent = _change(client, uri, 3, edit["range"], edit["newText"])
    _, after_fix = _diagnostics_after(client, uri, sent, timeout=5.0)
    assert after_fix == []  # apollo.rules checks clean: `rulekit check` prints no diagnostic for it


def test_hover_shows_a_metric_definition_label_and_description(client: LspClient, tmp_path: Path) -> None:
    # line 107: `ranking leaderboard: by product_uv descending`; "ranking leaderboard: by " is 24 characters.
    assert LINES[106][24:34] == "product_uv"
    uri = _open(client, tmp_path)
    result = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": _pos(106, 26)})
    text = result["contents"]["value"]
    assert "**metric** `product_uv` — unique product viewers" in text
    assert "metric product_uv = count distinct viewer_id in product_views during activity" in text
    assert "The number of different users who viewed at least one of the account's products" in text
    assert result["range"] == _range(106, 24, 34)


def test_hover_shows_a_clause_note_and_a_column_type(client: LspClient, tmp_path: Path) -> None:
    uri = _open(client, tmp_path)
    # line 104: `disqualify high_refund_rate: refund_rate > 30% when order_count >= 20`; the name starts at 11.
    assert LINES[103][11:27] == "high_refund_rate"
    clause = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": _pos(103, 15)})
    text = clause["contents"]["value"]
    assert "disqualify high_refund_rate: refund_rate > 30% when order_count >= 20" in text
    assert "A high refund rate disqualifies the account, judged only once it has enough orders." in text
    # line 71: `metric net_gmv = sum gmv in orders ...`; "metric net_gmv = sum " is 21 characters.
    assert LINES[70][21:24] == "gmv"
    column = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": _pos(70, 22)})
    assert column["contents"]["value"].startswith("**column** `gmv`: `money`, in table `orders`")


def test_definition_jumps_to_the_metric(client: LspClient, tmp_path: Path) -> None:
    # line 108: `  then by net_gmv descending` (net_gmv at 10); declared on line 71 `metric net_gmv` (at 7).
    assert LINES[107][10:17] == "net_gmv" and LINES[70].startswith("metric net_gmv ")
    uri = _open(client, tmp_path)
    found = client.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": _pos(107, 12)})
    assert found == {"uri": uri, "range": _range(70, 7, 14)}


def test_references_of_a_window(client: LspClient, tmp_path: Path) -> None:
    # `activity` is declared on line 56 and used by the six `during activity` metrics
    # (lines 59, 63, 67, 71, 75, 78) and by `due: 20 business days after activity` (line 128).
    uri = _open(client, tmp_path)
    params = {"textDocument": {"uri": uri}, "position": _pos(55, 9), "context": {"includeDeclaration": True}}
    found = client.request("textDocument/references", params)
    assert sorted(loc["range"]["start"]["line"] + 1 for loc in found) == [56, 59, 63, 67, 71, 75, 78, 128]
    for location in found:
        start, end = location["range"]["start"], location["range"]["end"]
        assert LINES[start["line"]][start["character"] : end["character"]] == "activity"
    params["context"] = {"includeDeclaration": False}
    assert len(client.request("textDocument/references", params)) == 7


def test_rename_a_metric_everywhere_and_nothing_else(client: LspClient, tmp_path: Path) -> None:
    # line 104: `disqualify high_refund_rate: refund_rate > 30% ...`: "disqualify high_refund_rate: " is 29.
    assert LINES[103][29:40] == "refund_rate"
    uri = _open(client, tmp_path)
    params = {"textDocument": {"uri": uri}, "position": _pos(103, 30), "newName": "refund_share"}
    edits = client.request("textDocument/rename", params)["changes"][uri]
    expected = [
        _range(80, 7, 18),  # line 81: `metric refund_rate = refunded_orders / order_count`
        _range(103, 29, 40),  # line 104: the disqualify clause
        _range(312, 31, 42),  # line 313: `  expect a1: order_count = 20, refund_rate = 35%` (13 + 18)
        _range(316, 32, 43),  # line 317: `  expect a2: (order_count = 20, refund_rate = 30%` (14 + 18)
        _range(319, 31, 42),  # line 320: `  expect a3: (order_count = 4, refund_rate = 75%` (14 + 17)
    ]
    assert sorted((e["range"] for e in edits), key=lambda r: r["start"]["line"]) == expected
    assert {e["newText"] for e in edits} == {"refund_share"}
    renamed = _apply(APOLLO, edits)
    assert "high_refund_rate" in renamed and "refund_rate_and_rebate_cap" in renamed  # other names untouched
    full = {"start": _pos(0, 0), "end": _pos(len(LINES) - 1, len(LINES[-1]))}
    sent = _change(client, uri, 2, full, renamed)
    _, found = _diagnostics_after(client, uri, sent, timeout=5.0)
    assert found == []


def test_rename_refuses_a_name_that_exists_or_a_keyword(client: LspClient, tmp_path: Path) -> None:
    uri = _open(client, tmp_path)
    params = {"textDocument": {"uri": uri}, "position": _pos(103, 30), "newName": "order_count"}
    with pytest.raises(LspError, match="already exists"):
        client.request("textDocument/rename", params)
    params["newName"] = "2fast"
    with pytest.raises(LspError, match="not a name"):
        client.request("textDocument/rename", params)


def test_completion_offers_keywords_names_columns_units_and_types(client: LspClient, tmp_path: Path) -> None:
    uri = _open(client, tmp_path)
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": _pos(70, 0)})
    labels = {item["label"] for item in result["items"]}
    keywords = {"metric", "during", "where", "pool cap", "disqualify", "every"}
    names = {"product_uv", "live_hours", "activity", "leaderboard", "orders"}
    assert keywords | names | {"viewer_id", "hours", "business days", "money", "timestamp"} <= labels


def test_completion_after_a_table_and_a_dot_offers_its_columns(client: LspClient, tmp_path: Path) -> None:
    text = APOLLO + "eligible big_spender: orders.\n"
    uri = _open(client, tmp_path, text, "dotted.rules")
    line = len(LINES) - 1  # the appended line replaces the file's final empty line
    assert text.split("\n")[line] == "eligible big_spender: orders."
    position = _pos(line, len("eligible big_spender: orders."))
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": position})
    # table orders (lines 43-48): order_id, account_id, ts, gmv, refunded
    assert [item["label"] for item in result["items"]] == ["order_id", "account_id", "ts", "gmv", "refunded"]


def test_formatting_restores_the_canonical_layout(client: LspClient, tmp_path: Path) -> None:
    messy = APOLLO.replace("  rank 2: $2,500", "  rank 2 :   $2,500").replace(
        "metric order_count = count orders during activity", "metric   order_count =   count orders   during activity"
    )
    assert messy != APOLLO
    uri = _open(client, tmp_path, messy, "messy.rules")
    options = {"tabSize": 2, "insertSpaces": True}
    edits = client.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": options})
    [edit] = edits
    assert edit["newText"] == APOLLO  # the committed file is canonical (`rulekit fmt --check` passes on it)


def test_formatting_is_refused_while_the_file_has_errors(client: LspClient, tmp_path: Path) -> None:
    broken = APOLLO.replace("in product_views during", "in product_view during")
    uri = _open(client, tmp_path, broken, "broken.rules")
    sent = time.monotonic()
    options = {"tabSize": 2, "insertSpaces": True}
    assert client.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": options}) is None
    _, shown = client.wait_notification("window/showMessage", after=sent, timeout=5.0)
    assert shown["message"] == "rulekit: not formatted: the file has 1 error(s); fix them first"


def test_the_server_exits_on_shutdown_and_exit(tmp_path: Path) -> None:
    lsp = LspClient([sys.executable, "-m", "rulekit", "lsp"], cwd=str(ROOT))
    lsp.initialize(ROOT.as_uri())
    assert lsp.stop(timeout=10) == 0
