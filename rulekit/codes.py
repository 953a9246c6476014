"""The registry of diagnostic codes: every code rulekit reports, in one place.

Each code is a :class:`Code` — a ``str`` (``codes.RK101 == "RK101"``, so diagnostics,
JSON output and tests see plain text) that also carries its severity, a short title,
the fix shown in ``docs/diagnostics.md``, the pinned fixture its example is taken from,
and whether it is internal (a bug if ever seen). Emitters pass these constants to
:func:`rulekit.diagnostics.error`/``warning`` (typed ``Code``, so a bare string is a
type error); no ``"RK…"`` literal appears anywhere else in ``rulekit/``
(``tests/test_codes.py``). The codes sections of ``docs/diagnostics.md`` and the RK7xx
table of ``docs/test.md`` are generated from here by ``scripts/gen_diagnostics_doc.py``.

Adding a code is one line here (keep the numeric order) plus a fixture and a rerun of
the generator.
"""

from __future__ import annotations

import enum
import re


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


ERROR = Severity.ERROR
WARNING = Severity.WARNING

# Section headings of docs/diagnostics.md: (first code of the range, heading).
AREAS: tuple[tuple[str, str], ...] = (
    ("RK000", "RK0xx — files and syntax (reported by the parser)"),
    ("RK100", "RK1xx — names and scope"),
    ("RK200", "RK2xx — types and units"),
    ("RK300", "RK3xx — time zones, calendars, currencies, windows, payout timing"),
    ("RK400", "RK4xx — rankings, rewards and liability"),
    ("RK500", "RK5xx — structure"),
    ("RK600", "RK6xx — lints (warnings)"),
    ("RK700", "RK7xx — `example` blocks (see [test.md](test.md))"),
    ("RK800", "RK8xx — limits (checked first; see [language.md](language.md#limits))"),
    ("RK900", "RK9xx — internal errors (a bug in rulekit, never expected from any input)"),
)


class Code(str):
    """A diagnostic code with what the documentation says about it."""

    severity: Severity
    summary: str  # (not `title`: that is a str method)
    fix: str
    example: str | None
    sample: str | None
    internal: bool

    def __new__(
        cls,
        code: str,
        severity: Severity,
        title: str,
        *,
        fix: str,
        example: str | None = None,
        sample: str | None = None,
        internal: bool = False,
    ) -> Code:
        if not re.fullmatch(r"RK\d{3}", code):
            raise ValueError(f"not a diagnostic code: {code!r}")
        made = super().__new__(cls, code)
        made.severity = severity
        made.summary = title
        made.fix = fix
        made.example = example  # fixture NAME whose NAME.out shows it
        made.sample = sample  # hand-written rendering when no input can produce it
        made.internal = internal
        return made


REGISTRY: dict[str, Code] = {}


def _code(
    code: str,
    severity: Severity,
    title: str,
    *,
    fix: str,
    example: str | None = None,
    sample: str | None = None,
    internal: bool = False,
) -> Code:
    if code in REGISTRY:
        raise ValueError(f"{code} is registered twice")
    REGISTRY[code] = Code(code, severity, title, fix=fix, example=example, sample=sample, internal=internal)
    return REGISTRY[code]


def lookup(code: str) -> Code:
    """The registered code ``code`` (``KeyError`` when it is not registered)."""
    return REGISTRY[code]


# One line per code (long lines: the fix text is prose), in numeric order.
# ruff: noqa: E501
# fmt: off
RK001 = _code("RK001", ERROR, "syntax error", fix="Write the line as the grammar expects; the message lists what may come at that point.", example="syntax")
RK002 = _code("RK002", ERROR, "bad literal", fix="Write a real date (`YYYY-MM-DD`), time (`HH:MM`) or a due offset in whole days.", example="syntax")
RK003 = _code("RK003", ERROR, "unreadable file", fix="Check the path; save the file as UTF-8 text without NUL bytes, under 5 MB. A directory or a missing file is reported the same way.", example="not_utf8")
RK101 = _code("RK101", ERROR, "unknown table", fix="Use a declared table name (the suggestion is the closest one), or declare the table.", example="unknown_table")
RK102 = _code("RK102", ERROR, "unknown column", fix="Use a column the table declares, or add the column to the table. Applies to keys, `time`/`period` lines, aggregates, `where` filters and per-order rewards.", example="names")
RK103 = _code("RK103", ERROR, "unknown metric", fix="Use a declared metric (ratio parts, rank keys, rebate bases, bonus and milestone metrics).", example="bonus")
RK104 = _code("RK104", ERROR, "unknown window", fix="Use a declared window in `during` or in `due … after`.", example="names")
RK105 = _code("RK105", ERROR, "unknown ranking", fix="Name a declared ranking after `prize NAME: ranking`.", example="names")
RK106 = _code("RK106", ERROR, "unknown member noun", fix="Use the noun of the `member` line (`host`, or its plural `hosts` in a quantifier), and declare a `member` before using `per` or a quantifier.", example="names")
RK107 = _code("RK107", ERROR, "limit not per participant", fix="Limits (`cap … per`, `max orders … per`) are per participant: write the participant noun.", example="per_order")
RK108 = _code("RK108", ERROR, "duplicate name", fix="Metrics, clauses, windows, rankings and rewards share one namespace, and a metric may not share a name with a participant or member column. Rename one.", example="structure")
RK109 = _code("RK109", ERROR, "duplicate table or column", fix="Declare each table once and each column once per table.", example="structure")
RK110 = _code("RK110", ERROR, "unknown column type", fix="Use one of `string`, `int`, `decimal`, `money`, `bool`, `timestamp`, `date`, `duration`, `percent`.", example="structure")
RK111 = _code("RK111", ERROR, "name used outside its scope", fix="A `per host` metric or a member column is only visible inside `every host has …` / `any host has …`; a metric's `where` sees only its own table's columns.", example="names")
RK112 = _code("RK112", ERROR, "event table cannot be linked", fix="An event table used by a metric or per-order reward needs the participant key column (and the member key column for `per host`).", example="metrics")
RK113 = _code("RK113", ERROR, "unknown name in a clause", fix="Use a participant column or a participant-level metric (member ones inside a quantifier).", example="names")
RK114 = _code("RK114", ERROR, "table not visible here", fix="A clause can use `accounts.x` for the participant (and member) table only; define a metric to use an event table.", example="names")
RK115 = _code("RK115", ERROR, "quantifier in the wrong place", fix="Quantifiers go at the top level of a clause, not inside another quantifier or a `where`.", example="metrics")
RK116 = _code("RK116", ERROR, "`per` on a per-order reward", fix="Commissions and subsidies are decided per order; remove `per …`.", example="per_order")
RK117 = _code("RK117", ERROR, "metric defined in terms of itself", fix="A ratio's parts must not lead back to the ratio.", example="metrics")
RK118 = _code("RK118", ERROR, "reserved name", fix="Table and column names starting with `__` are reserved for the data loader's own tables and columns; rename them. Input columns whose names start with `__` are ignored when the data is read.", example="reserved")
# Sub-entities and links (issue 10, construct 4): RK120-RK129.
RK120 = _code("RK120", ERROR, "link from an unknown column", fix="A `link: COLUMN -> TABLE` starts at a column the table declares; declare the column or use one of its columns.", example="links")
RK121 = _code("RK121", ERROR, "link to an unknown table", fix="Link to a declared table (the suggestion is the closest one), or declare the table.", example="links")
RK122 = _code("RK122", ERROR, "link to a column that is not a key", fix="A link points at the key of its target table: `link: listing_id -> listings` when `listings` has `key: listing_id`, or name the key column, `-> listings.listing_id`.", example="links")
RK123 = _code("RK123", ERROR, "link between columns of different types", fix="The two ends of a link hold the same kind of value: declare the linking column with the type of the key it points at.", example="links")
RK124 = _code("RK124", ERROR, "links that go round in a circle", fix="Links go from the many to the one (an order to its listing, a listing to its seller through the participant key); remove the link that leads back.", example="links")
RK125 = _code("RK125", ERROR, "`per` an entity the table does not link to", fix="A metric `per listing` counts rows that belong to a listing: the metric's table needs `link: listing_id -> listings`.", example="links")
RK126 = _code("RK126", ERROR, "entity metric used outside its entity", fix="A `per listing` metric has one value per listing: use it in the `where` of a metric over `listings` (`metric n = count listings where listing_orders >= 1`), not in a clause, a ranking, a reward or another entity's filter.", example="links")
RK127 = _code("RK127", ERROR, "entity table cannot be linked to participants", fix="The table named after `per` must be an event table with a one-column `key` and the participant key column, so each of its rows belongs to one participant.", example="links")
RK201 = _code("RK201", ERROR, "incompatible comparison", fix="Compare like with like: money with money, durations with durations, counts with numbers; `<`/`>` do not apply to text or true/false values.", example="types")
RK202 = _code("RK202", ERROR, "foreign currency", fix="Write every amount in the program's `currency`.", example="per_order")
RK203 = _code("RK203", ERROR, "aggregate of a non-number", fix="`sum`, `average`, `min` and `max` need a numeric column (`int`, `decimal`, `money`, `duration`; `percent` except for `sum`). Use `count`/`count distinct` otherwise.", example="metrics")
RK204 = _code("RK204", ERROR, "`total time` without `period`", fix="Give the table `period: START to END`.", example="metrics")
RK205 = _code("RK205", ERROR, "`during` without row times", fix="Give the table `time: COLUMN` or `period: START to END`.", example="metrics")
RK206 = _code("RK206", ERROR, "bad relative-window anchor", fix="Start a relative window from a `timestamp` or `date` column of the participant table.", example="time")
RK207 = _code("RK207", ERROR, "condition is not true/false", fix="Clause conditions, `when` guards, `where` filters and the operands of `and`/`or`/`not` must be comparisons or bool columns.", example="types")
RK208 = _code("RK208", ERROR, "rebate base is not money", fix="Base a rebate on a participant-level money metric (a `sum` of a money column).", example="types")
RK209 = _code("RK209", ERROR, "ratio compared with a unit", fix="Compare a ratio with a percentage (`30%`) or a plain number (`0.3`).", example="types")
RK210 = _code("RK210", ERROR, "mixed in-list", fix="List values of one kind, the kind of the value tested.", example="types")
RK211 = _code("RK211", ERROR, "milestone threshold of the wrong unit", fix="Write each tier's threshold in the metric's unit.", example="bonus")
RK212 = _code("RK212", ERROR, "member-level value where a participant value is needed", fix="Rank keys, rebate bases, bonus and milestone metrics need one value per participant: define the metric without `per`.", example="metrics")
RK213 = _code("RK213", ERROR, "bonus per unit of a non-count", fix="Pay a bonus per unit of a count or number metric.", example="bonus")
RK214 = _code("RK214", ERROR, "per-order reward on a non-money column", fix="Commissions and subsidies apply to a money column.", example="per_order")
RK216 = _code("RK216", ERROR, "`time`/`period` column is not a timestamp", fix="Declare the column as `timestamp` (or `date`).", example="structure")
RK217 = _code("RK217", ERROR, "arithmetic of the wrong units", fix="Add and subtract values of one unit; multiply or divide money and time by a number, a percentage or a ratio (`sales * 2%`); divide money by money for a ratio; `min`/`max` and `a or b` need values of one unit; never divide by the constant 0.", example="arithmetic")
RK218 = _code("RK218", ERROR, "arithmetic inside a condition", fix="Define a metric for the arithmetic (`metric growth = q2_sales - q1_sales`) and use the metric in the clause (`gate g: growth > $5`).", example="arithmetic")
RK219 = _code("RK219", ERROR, "metric arithmetic mixing member and participant values", fix="Compute from metrics of one level: all `per host`, or none.", example="arithmetic")
RK220 = _code("RK220", ERROR, "a computed fraction as a reward base", fix="A rebate, bonus or milestone needs a base that is an exact decimal: do not divide by a metric or by a constant like 3 in its metric (multiply by `50%` instead of dividing by 2 is fine).", example="arithmetic")
# Points in time and as-of values (issue 10, constructs 2, 5 and 7).
RK221 = _code("RK221", ERROR, "a point in time moved by something other than a duration", fix="A timestamp or date moves by a duration written after it: `joined_at + 30 days`, `joined_at + 6 months`.", example="points")
RK222 = _code("RK222", ERROR, "the time between two points in time", fix="rulekit does not compute the time between two timestamps; compare them with a margin instead: `brand_registered_at <= joined_at + 6 months`.", example="points")
RK223 = _code("RK223", ERROR, "the bound of a relative window in a `where`", fix="`start of W`/`end of W` of a window that differs per participant can be tested in a clause, not in a `where` over rows; keep rows in the window with `during W`.", example="points")
RK301 = _code("RK301", ERROR, "unknown time zone", fix='Use an IANA zone name such as `"America/New_York"`; the hint lists close names.', example="time")
RK302 = _code("RK302", ERROR, "unknown calendar", fix="Use one of the supported calendars listed in the hint.", example="time")
RK303 = _code("RK303", ERROR, "unknown currency", fix="Use an ISO 4217 code such as `USD`, `GBP`, `EUR`.", example="time")
RK304 = _code("RK304", ERROR, "window ends before it starts", fix="Swap or correct the dates.", example="time")
RK305 = _code("RK305", ERROR, "empty window", fix="An absolute window must end after it starts; a relative window needs a positive length.", example="time")
RK306 = _code("RK306", ERROR, "payout due after a relative window", fix="A payout date must be the same for everyone: anchor `due` on an absolute window.", example="time")
RK307 = _code("RK307", ERROR, "time zone with clock changes other than one hour", fix="rulekit supports zones whose clocks move by exactly one hour between 1970 and 2037 (see semantics.md); choose such a zone, or a fixed offset like `Etc/GMT-11`.", example="tz_shift")
RK308 = _code("RK308", ERROR, "calendar months where a fixed length is needed", fix="Months and years have no fixed length: they are for relative windows (`first 6 months from joined_at`). Elsewhere write days, weeks or hours, like `180 days`.", example="calendar_units")
RK309 = _code("RK309", ERROR, "a fraction of a month or year", fix="Calendar months and years are counted whole: write `first 6 months`, or the length in days, like `first 45 days`.", example="calendar_units")
RK310 = _code("RK310", ERROR, "a window within a window without fixed dates", fix="`first 12 months from joined_at within W` keeps the part inside W, which must be a window with dates (`from … to …`).", example="window_within")
RK311 = _code("RK311", ERROR, "`latest`, `first` or `as of` on a table without row times", fix="Picking the latest row, or the rows as of a moment, needs the time of each row: add `time: COLUMN` to the table.", example="asof")
RK312 = _code("RK312", ERROR, "`as of` a point that differs per participant", fix="`as of` takes one moment for everyone: a date (`2024-03-31`), a date and time (`2024-03-31 23:59`), or `start of W`/`end of W` of a window with fixed dates, possibly moved by a duration.", example="asof")
RK313 = _code("RK313", ERROR, "`as of` something that is not a point in time", fix="Write a date, a date and time, or a window's bound after `as of`.", example="asof")
RK314 = _code("RK314", ERROR, "`as of` in a per-order reward", fix="A commission or subsidy judges each order on its own: narrow its orders with `during`/`where`, and use `as of` in a metric.", example="asof")
# ---- calendar buckets (issue 10, construct 3)
RK320 = _code("RK320", ERROR, "a bucket metric used as one number", fix="A metric `by day` has one value per day: count the days that meet a condition (`metric active_days = count days during W where daily_live >= 45 minutes`) and use that metric.", example="buckets")
RK321 = _code("RK321", ERROR, "counting buckets without a window", fix="Say which days count: `count days during W where …`, with `W` a window with dates.", example="buckets")
RK322 = _code("RK322", ERROR, "counting buckets in a window without fixed dates", fix="The buckets counted are those of a window with dates (`window challenge: from 2024-03-01 to 2024-03-30 inclusive`).", example="buckets")
RK323 = _code("RK323", ERROR, "a bucket condition reading another value", fix="The condition of `count days …` reads the metrics `by day` (the same unit as counted) and constants only.", example="buckets")
RK324 = _code("RK324", ERROR, "an aggregate that cannot be bucketed", fix="`by day` is for `count`, `count distinct`, `sum` and `total time` (values that are 0 on a day without rows); it cannot be combined with `per`.", example="buckets")
# ---- end of calendar buckets
RK401 = _code("RK401", ERROR, "prize schedule with a gap", fix="Give every rank from 1 to the last paid rank a line (use `$0` on purpose).", example="prize")
RK402 = _code("RK402", ERROR, "duplicate or overlapping ranks", fix="Give each rank one prize; `rank A to B` needs `1 <= A <= B`.", example="prize")
RK403 = _code("RK403", WARNING, "rank beyond `top N`", fix="Remove the line or raise `top`.", example="prize")
RK404 = _code("RK404", WARNING, "schedule not non-increasing", fix="A lower rank normally pays less; check the amounts.", example="prize")
RK405 = _code("RK405", ERROR, "schedule above the pool cap", fix="Lower the prizes or raise the pool cap; the message gives both sums (a `rank 4 to 5` line counts twice).", example="prize")
RK406 = _code("RK406", WARNING, "pool without `overflow`", fix="Add `overflow: scale down` or `overflow: first come`; without it, scale down applies.", example="lints")
RK407 = _code("RK407", ERROR, "unknown overflow policy", fix="Use `scale down` or `first come`.", example="prize")
RK408 = _code("RK408", ERROR, "unknown shared-ranks policy", fix="Use `split` or `same`.", example="prize")
RK409 = _code("RK409", WARNING, "ties not declared", fix="Add `shared ranks: split`/`same`, or end the ranking with `then by <participant key> ascending`.", example="lints")
RK410 = _code("RK410", ERROR, "brackets not increasing", fix="List brackets from the lowest threshold up, each strictly higher.", example="rebate")
RK411 = _code("RK411", WARNING, "brackets not starting at zero", fix="Start with `from $0: 0%` so it is explicit that a small base earns nothing.", example="rebate")
RK412 = _code("RK412", ERROR, "brackets without a mode", fix="Write `marginal brackets of …` or `whole-tier brackets of …`.", example="rebate")
RK413 = _code("RK413", ERROR, "flat rate and brackets", fix="Use either a flat `N% of …` rate or brackets.", example="rebate")
RK414 = _code("RK414", ERROR, "rate over 100%", fix="Rebate, bracket, commission, standard and subsidy percentages are at most 100%.", example="per_order")
RK415 = _code("RK415", ERROR, "unknown rounding of a split prize", fix="After `shared ranks: split,` write `rounded down` (the minor units left over are not paid) or `remainder by key` (they go one each to the tied participants in key order).", example="split_rounding")
RK416 = _code("RK416", ERROR, "commission without `standard rate`", fix="Add `standard rate: N%` for the orders the override does not cover.", example="per_order")
RK418 = _code("RK418", WARNING, "unbounded liability", fix="Add a `budget:` (or `pool cap:`) so the total cannot grow with the number of participants or orders; a prize with `shared ranks: same` needs a pool cap.", example="per_order")
# issue 10, construct 6 (periods): pay periods, to-date bases, cap periods.
RK420 = _code("RK420", ERROR, "unknown pay period", fix="Write `paid monthly`, `paid weekly` or `paid daily` in the `payout:` block.", example="periods_word")
RK421 = _code("RK421", ERROR, "pay period without a pay window", fix="A program paid per period needs `due: … after W` with W a window with fixed dates: its periods are the calendar months (ISO weeks, local days) of W.", example="periods")
RK422 = _code("RK422", ERROR, "`to date` without pay periods", fix="`during W to date` accumulates across pay periods: add `paid monthly` (or `weekly`, `daily`) to the `payout:` block, or remove `to date`.", example="periods_unpaid")
RK423 = _code("RK423", ERROR, "cap period is not the pay period", fix="A cap per month needs the program paid monthly (likewise weeks and days); write the pay period, or no period for a cap on the whole program.", example="periods")
RK424 = _code("RK424", ERROR, "unknown cap period", fix="Write `cap: $500 per seller per month` (or `per week`, `per day`).", example="periods")
RK425 = _code("RK425", ERROR, "budget on a to-date reward", fix="A reward on a to-date base pays each period the difference to what earlier periods paid; limit each participant with `cap:` instead of a budget.", example="periods")
RK426 = _code("RK426", ERROR, "example line without a valid pay period", fix="In a program paid per period, write `expect s1 in 2024-03: …` with one of the program's periods (`2024-03`, `2024-W09`, `2024-03-05`).", example="periods_examples")
RK427 = _code("RK427", ERROR, "pay period in an example of a program paid once", fix="Remove `in PERIOD` from the `expect` line, or add `paid monthly` to the `payout:` block.", example="periods_examples_unpaid")
RK430 = _code("RK430", ERROR, "unknown budget period", fix="A budget is shared by all participants; `budget: $1,000 per day` (or `per week`, `per month`) gives each local day (ISO week, calendar month) its own. For a limit per participant write `cap: $1,000 per seller`.", example="budgets")
RK431 = _code("RK431", ERROR, "budget per period on a reward without a time", fix="Prizes, rebates, bonuses and milestones are worked out once per participant (once per pay period in a program paid per period): their budget is the program's (`budget: $1,000`) or, in a program paid monthly, `budget: $1,000 per month`. Only per-order rewards (subsidies) have a budget per day inside a pay period.", example="budgets")
RK432 = _code("RK432", ERROR, "budget period does not fit in the pay period", fix="Each pay period is settled on its own, so a budget's period must lie inside one: per day in any program, per week in one paid weekly, per month in one paid monthly.", example="budgets_paid")
RK433 = _code("RK433", ERROR, "budget per period over a window without fixed dates", fix="A per-order reward's budget per day is counted over the days of its window: give it `during W` with W a window with dates, or place its relative window `within` one.", example="budgets")
RK500 = _code("RK500", ERROR, "empty file", fix="Write a program, starting with `program NAME:`.", example="empty")
RK501 = _code("RK501", ERROR, "missing `program` header", fix="Start the file with `program NAME:` and its lines.", example="no_header")
RK502 = _code("RK502", ERROR, "single declaration repeated", fix="A file has one `program`, `participant`, `member` and `payout`; merge them.", example="syntax")
RK503 = _code("RK503", ERROR, "missing header line", fix="Add the `market`, `currency`, `timezone` and `calendar` lines to the header.", example="structure")
RK504 = _code("RK504", ERROR, "missing participant", fix="Add `participant NOUN: TABLE`.", example="no_header")
RK505 = _code("RK505", ERROR, "participant table key", fix="The participant table needs `key:` with exactly one column.", example="structure")
RK506 = _code("RK506", ERROR, "member table key", fix="The member table's key is the participant key and the member's own key: `key: account_id, host_id`.", example="structure")
RK507 = _code("RK507", ERROR, "ranking without `top`", fix="Add `top N` with N at least 1.", example="structure")
RK508 = _code("RK508", ERROR, "prize without schedule", fix="Add `rank N: $amount` lines.", example="prize")
RK509 = _code("RK509", ERROR, "reward with nothing to pay", fix="Give a bracket rebate its `from` lines and a milestone its tiers.", example="bonus")
RK510 = _code("RK510", ERROR, "detail line written twice", fix="A block may state `top`, `pool cap`/`budget`, `overflow`, `label`, `due` and the other single-valued lines once; delete the repeated line (the parser keeps the first).", example="repeated_line")
RK601 = _code("RK601", WARNING, "unused metric", fix="Use the metric, give it a `label:` if it is only reported (labelled metrics appear in settlements and documents), or delete it.", example="lints")
RK602 = _code("RK602", WARNING, "unused window", fix="Use it with `during` or `due … after`, or delete it.", example="lints")
RK603 = _code("RK603", WARNING, "rate rule without minimum sample", fix="Add a `when` guard, like `when order_count >= 20`, to a `disqualify`/`warn` clause on a ratio.", example="lints")
RK604 = _code("RK604", WARNING, "gate that can never be met", fix="An `eligible` or `gate` clause is false for everyone (a count below zero, contradictory bounds, `false`); fix the comparison.", example="lints")
RK701 = _code("RK701", ERROR, "two examples with the same name", fix="Give each `example` a name of its own.")
RK702 = _code("RK702", ERROR, "`given` names an unknown table", fix="Name a table the program declares (the hint gives the closest one).")
RK703 = _code("RK703", ERROR, "a column the table does not declare", fix="Use a column of the table, or declare it in the `table` block.")
RK704 = _code("RK704", ERROR, "a value that does not fit (type, currency, int with a fraction, wrong unit for a metric or reward) or a column given twice", fix="Write the value in the column's type, the program currency and the unit of the metric or reward; give each column once.")
RK705 = _code("RK705", ERROR, "a row without its key columns", fix="Give every key column of the table in each `given` row.")
RK706 = _code("RK706", ERROR, "`expect` names a participant (or a member) with no `given` row", fix="Add a `given` row for that participant or member, or fix the id.")
RK707 = _code("RK707", ERROR, "`expect order` names an order with no row in a commission/subsidy table", fix="Add a `given` row for the order, or fix the id.")
RK708 = _code("RK708", ERROR, "an unknown clause, or a clause of the wrong kind (`disqualified by` a gate)", fix="Name a clause of the program, with the word for its kind (`passes`, `fails`, `disqualified by`).")
RK709 = _code("RK709", ERROR, "an unknown reward, or the wrong kind keyword (`rebate` for a prize)", fix="Name a reward of the program with its own kind keyword.")
RK710 = _code("RK710", ERROR, "an unknown metric", fix="Name a metric of the program.")
RK711 = _code("RK711", ERROR, "an item that does not apply here (`rank` on an order, a commission per participant, `not judged` on a clause without a guard, a `per host` metric without a host)", fix="Move the expectation to where it applies (a participant, an order or a member).")
RK712 = _code("RK712", WARNING, "an example that expects nothing", fix="Add `expect` lines, or delete the example.")
RK713 = _code("RK713", ERROR, "a row of a `given` table with more or fewer values than its header has columns", fix="Write one value per header column, `null` for a missing one.")
RK714 = _code("RK714", ERROR, "`given N T like (...)` with N outside 1 to 10,000, or `of them` groups covering more than N rows", fix="Make the groups add up to at most N, or raise N.")
RK715 = _code("RK715", ERROR, "`times:` other than `local` or `UTC`", fix="Write `times: local` for the program's time zone, or `times: UTC` (the default).")
RK801 = _code("RK801", ERROR, "amount, number, percentage or duration out of range", fix="Amounts and numbers have at most 15 digits before the point and 12 after (percentages 10 after); durations are at most 100 years.", example="limits")
RK802 = _code("RK802", ERROR, "rank or count out of range", fix="Ranks and `top` go up to 10,000; `max orders` and `at least N` up to 10^9; `due` up to 3,660 days.", example="limits")
RK803 = _code("RK803", ERROR, "date out of range", fix="Dates in a rule file are between 1900 and 2999.", example="limits")
RK804 = _code("RK804", ERROR, "condition nested too deeply", fix="A condition nests at most 64 levels; split it into several clauses or metrics.", example="limits")
RK805 = _code("RK805", ERROR, "program too large", fix="A program has at most 5,000 declarations and 2,000 lines per declaration; split it into several programs.", example="program_size")
RK900 = _code("RK900", ERROR, "internal error", fix="A bug in rulekit, not in the file. Report it with the file. Never expected from any input.", sample="x.rules:1:1: error[RK900]: internal error in check_rewards: …", internal=True)
RK901 = _code("RK901", ERROR, "`rulekit fmt` would change the file's meaning", fix="A bug in `rulekit fmt`: the file is left unchanged. Report it with the file.", internal=True)
RK951 = _code("RK951", ERROR, "unknown name (bind pass)", fix="Never expected after a clean check (the checker reports RK111/RK113 first): a bug in rulekit. Report it with the file.", internal=True)
RK952 = _code("RK952", ERROR, "not the member noun (bind pass)", fix="Never expected after a clean check (the checker reports RK106 first): a bug in rulekit. Report it with the file.", internal=True)
RK953 = _code("RK953", ERROR, "table without row times (bind pass)", fix="Never expected after a clean check (the checker reports RK204/RK205 first): a bug in rulekit. Report it with the file.", internal=True)
RK954 = _code("RK954", ERROR, "unknown table, column, metric or window (bind pass)", fix="Never expected after a clean check (the checker reports RK101-RK104 first): a bug in rulekit. Report it with the file.", internal=True)
RK955 = _code("RK955", ERROR, "no participant table (bind pass)", fix="Never expected after a clean check (the checker reports RK504 first): a bug in rulekit. Report it with the file.", internal=True)
RK956 = _code("RK956", ERROR, "metric defined in terms of itself (bind pass)", fix="Never expected after a clean check (the checker reports RK117 first): a bug in rulekit. Report it with the file.", internal=True)
# fmt: on
