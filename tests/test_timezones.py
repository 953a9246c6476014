"""Time zones (issue 14, item 2): only canonical IANA zones both evaluators support.

On 99a2949 the checker accepted `posixrules`, `localtime`, `right/UTC` and `posix/*`
(which DuckDB cannot use), and accepted Australia/Lord_Howe and Antarctica/Troll, whose
30-minute and 2-hour clock changes make the evaluators disagree on relative windows.
"""

from __future__ import annotations

import duckdb
import pytest

from rulekit import timeutil
from rulekit.checker import check_source

PROGRAM = """program demo:
  market: GB
  currency: GBP
  timezone: "{zone}"
  calendar: GB

table accounts:
  account_id: string
  key: account_id

participant account: accounts
"""


def diagnostics(zone: str) -> list[tuple[str, str | None]]:
    report = check_source(PROGRAM.format(zone=zone), "tz.rules")
    return [(d.code, d.help) for d in report.diagnostics]


@pytest.mark.parametrize(
    ("zone", "hint"),
    [
        ("posixrules", 'did you mean "America/New_York"?'),  # the POSIX default rules are New York's
        ("posix/Europe/London", 'did you mean "Europe/London"?'),
        ("right/UTC", 'did you mean "UTC"?'),  # the leap-second copy of UTC
    ],
)
def test_non_canonical_names_are_refused_with_the_canonical_one(zone: str, hint: str) -> None:
    assert diagnostics(zone) == [("RK301", hint)]


def test_localtime_is_refused() -> None:
    # The machine's own setting is not a place: a program must mean the same everywhere.
    [(code, _)] = diagnostics("localtime")
    assert code == "RK301"


@pytest.mark.parametrize(
    ("zone", "amount"),
    [("Australia/Lord_Howe", "30 minutes"), ("Antarctica/Troll", "2 hours"), ("Pacific/Apia", "24 hours")],
)
def test_zones_with_other_than_one_hour_changes_are_refused(zone: str, amount: str) -> None:
    report = check_source(PROGRAM.format(zone=zone), "tz.rules")
    assert [d.code for d in report.diagnostics] == ["RK307"]
    assert f"moves its clocks by {amount}" in report.diagnostics[0].message


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Europe/Dublin", "Asia/Kolkata", "UTC"])
def test_ordinary_zones_are_accepted(zone: str) -> None:
    # Dublin's daylight saving is "negative" in the tz database, but still one hour;
    # Kolkata is UTC+5:30 with no changes since 1970.
    assert diagnostics(zone) == []


def test_every_accepted_zone_is_known_to_duckdb() -> None:
    con = duckdb.connect()
    known = {row[0] for row in con.execute("SELECT name FROM pg_timezone_names()").fetchall()}
    assert timeutil.zone_names() <= known
    assert "America/New_York" in timeutil.zone_names()
