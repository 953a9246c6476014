"""Batch decisions vectorised: the plan's per-participant stage as polars expressions.

:func:`vector_decide` evaluates a whole batch at once when the plan and the table allow it,
exactly as ``decide`` decides each record:

* clauses become polars expressions (polars' ``&``, ``|``, ``~`` and comparisons follow
  SQL's three-valued logic, as ``decide`` does); a quantifier is a ``list.eval`` over the
  member column; a ratio is compared by cross-multiplying its whole-number parts, never
  divided;
* flat-rate rebates are computed in exact integer arithmetic (minor units, the cap before
  rounding half-even), in numpy.

It is used only when every check passes: the columns have the Arrow types the per-record
converters read to the same values (text, booleans, integers, decimals, canonical UTC
timestamps), required columns hold no nulls, member rows belong to their participant and
have distinct ids, every aggregate metric is given (or is a count of the member rows), and
the amounts fit the integer range. Otherwise it returns ``None`` and the batch is decided
record by record (:mod:`rulekit.fastpath.batch`), which decides the same or raises the
documented error — the vectorised path never decides what is an error.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from rulekit import ir, walk
from rulekit.contract import required_columns
from rulekit.errors import RulekitError
from rulekit.money import minor_unit
from rulekit.plan import Level, MetricPlan, Plan
from rulekit.plan.aggregates import Aggregate, aggregate
from rulekit.plan.model import Shape
from rulekit.pyeval.values import literal_value

_LIMIT = 2**62  # products of amounts stay below this, or the batch is decided record by record
_STAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class _No(RulekitError):  # noqa: N818 - a signal inside this module: decide record by record
    pass


def vector_decide(plan: Plan, table: pa.Table, schema: pa.Schema, due: dt.date | None) -> pa.Table | None:
    """The batch's outcome table (``schema``), or ``None`` when it must be decided record by record."""
    try:
        return _Vector(plan, table).run(schema, due)
    except _No:
        return None


class _Vector:
    def __init__(self, plan: Plan, table: pa.Table) -> None:
        self.plan = plan
        self.table = table
        # Only the flat columns go to polars (zero-copy for numbers): the member lists are read
        # through Arrow, and only the member values a quantifier reads are handed to polars.
        nested = {plan.member.table} if plan.member is not None else set()
        wanted = _read_names(plan)
        flat_columns = [name for name in table.column_names if name not in nested and name in wanted]
        flat_columns = flat_columns or [plan.participant.key]  # the frame's height
        if any(name not in table.column_names for name in flat_columns):
            raise _No
        frame = pl.from_arrow(table.select(flat_columns))
        if not isinstance(frame, pl.DataFrame) or table.num_rows == 0:
            raise _No
        self.frame: pl.DataFrame = frame
        self.member = plan.member
        self.metrics = {m.name: m for m in plan.metrics}
        self.given: dict[str, pl.Expr] = {}  # participant-scope metric name -> its expression

    # ------------------------------------------------------------------ checks

    def check(self) -> None:
        plan, names = self.plan, set(self.table.column_names)
        others = {t.name for t in plan.tables} - {plan.participant.table}
        if self.member is not None:
            others.discard(self.member.table)
        if names & others or any(r.table is not None for r in plan.rewards):
            raise _No  # events, or per-order rewards: record by record
        participant = plan.participant_table
        required = set(required_columns(plan.program, participant.decl))
        for column in participant.columns:
            self._column(self.table.column(column.name) if column.name in names else None, column, required)
        if plan.participant.key not in names or not _text(self.table.schema.field(plan.participant.key).type):
            raise _No
        if self.member is not None:
            self._members(names)
        for metric in plan.metrics:
            self._metric(metric, names)

    def _column(self, values: pa.ChunkedArray | None, column: Any, required: set[str]) -> None:
        if values is None or (column.name in required and values.null_count):
            raise _No
        kind, arrow = column.type.kind.value, values.type
        if pa.types.is_null(arrow):
            return  # every value unknown (the column is not required)
        if kind == "string" and _text(arrow):
            return
        if kind == "bool" and pa.types.is_boolean(arrow):
            return
        if kind == "int" and pa.types.is_integer(arrow) and arrow != pa.uint64():
            return
        if kind == "timestamp" and pa.types.is_timestamp(arrow) and arrow.tz in (None, "UTC", "+00:00"):
            return  # instants already: the per-record reader takes them as they are (naive is UTC)
        if kind == "timestamp" and _text(arrow):
            # Canonical UTC times only (what the per-record reader reads the same way), real dates.
            text = pl.from_arrow(values)
            assert isinstance(text, pl.Series)
            text = text.drop_nulls()
            canonical = text.str.contains(_STAMP).all()
            if not canonical or text.str.to_datetime(_FORMAT, strict=False).null_count():
                raise _No
            return
        if kind in ("money", "decimal") and _exact_number(arrow):
            return
        raise _No

    def _members(self, names: set[str]) -> None:
        assert self.member is not None
        member, table = self.member, self.plan.member_table
        assert table is not None
        if member.table not in names:
            raise _No
        values = self.table.column(member.table)
        if values.null_count or not pa.types.is_list(values.type) or not pa.types.is_struct(values.type.value_type):
            raise _No
        combined = values.combine_chunks()
        flat = combined.flatten()  # the member structs of every list, in order
        fields = {f.name for f in values.type.value_type}
        required = set(required_columns(self.plan.program, table.decl))
        if flat.null_count or table.period is not None:
            raise _No
        for column in table.columns:
            self._column(pc.struct_field(flat, column.name) if column.name in fields else None, column, required)
        key, link = member.key, self.plan.participant.key
        if not _text(values.type.value_type.field(key).type):
            raise _No
        # Members flattened, with the row of the participant each belongs to.
        members = flat
        self.parents = pc.list_parent_indices(combined).to_numpy()
        self.lengths = pc.list_value_length(combined).to_numpy()
        self.member_structs = members
        if _duplicated(self.parents, pc.struct_field(members, key)):
            raise _No  # the same member twice: the reference keeps one
        if link in fields:
            own = self.table.column(link).combine_chunks()
            theirs = pc.struct_field(members, link)
            if own.type != theirs.type:
                own, theirs = own.cast(pa.string()), theirs.cast(pa.string())
            owners = own.take(pa.array(self.parents))
            if not pc.all(pc.equal(owners, theirs)).as_py() or theirs.null_count:
                raise _No  # a member row of another participant
        if (self.lengths == 0).any() and any(
            m.level is Level.MEMBER and m.table is not None for m in self.plan.metrics
        ):
            raise _No  # an account without members: the reference decides which events it then needs
        self.member_fields = fields

    def _metric(self, metric: MetricPlan, names: set[str]) -> None:
        if metric.level is Level.MEMBER:
            if metric.name not in self.member_fields or metric.table is None:
                raise _No  # member ratios and computed member metrics: record by record
            arrow = self.table.column(self.member.table if self.member else "").type.value_type.field(metric.name).type
            _given_type(metric, arrow)
            return
        if metric.name in names:
            _given_type(metric, self.table.schema.field(metric.name).type)
            if metric.parts is not None or metric.expr is not None:
                raise _No  # a given ratio or computed metric: record by record
            self.given[metric.name] = pl.col(metric.name)
            return
        definition = metric.decl.definition
        counts_rows = isinstance(definition, ir.Aggregate) and _counts_rows(aggregate(definition.func))
        plain_count = (
            counts_rows
            and isinstance(definition, ir.Aggregate)
            and self.member is not None
            and metric.table == self.member.table
            and metric.window is None
            and metric.where is None
            and definition.column is None
        )
        if plain_count and self.member is not None:
            column = f"\x00count.{metric.name}"  # the number of member rows (the lists are not in the frame)
            self.frame = self.frame.with_columns(pl.Series(column, self.lengths.astype(np.int64)))
            self.given[metric.name] = pl.col(column)
        elif metric.parts is None:
            raise _No  # an aggregate over events, or a computed metric not given

    # ----------------------------------------------------------------- clauses

    def run(self, schema: pa.Schema, due: dt.date | None) -> pa.Table:
        self.check()
        plan = self.plan
        holds, judged = [], []
        for clause in plan.clauses:
            holds.append(self.expr(clause.decl.condition, False).fill_null(False))
            guard = clause.decl.guard
            judged.append(self.expr(guard, False).fill_null(False) if guard is not None else pl.lit(True))
        kinds = [c.kind for c in plan.clauses]
        eligible = pl.all_horizontal(
            [h for h, k in zip(holds, kinds, strict=True) if k is ir.ClauseKind.ELIGIBLE] or [pl.lit(True)]
        )
        gates = pl.all_horizontal(
            [h for h, k in zip(holds, kinds, strict=True) if k is ir.ClauseKind.GATE] or [pl.lit(True)]
        )
        bad = [h & j for h, j, k in zip(holds, judged, kinds, strict=True) if k is ir.ClauseKind.DISQUALIFY]
        disqualified = pl.any_horizontal(bad or [pl.lit(False)])
        warned = [(h & j).alias(f"\x00warn.{c.name}") for h, j, c in zip(holds, judged, plan.clauses, strict=True)]
        warned = [w for w, c in zip(warned, plan.clauses, strict=True) if c.kind is ir.ClauseKind.WARN]
        columns = [
            eligible.alias("eligible"),
            (eligible & gates & ~disqualified).alias("qualified"),
            disqualified.alias("disqualified"),
            *[h.alias(f"clause.{c.name}") for h, c in zip(holds, plan.clauses, strict=True)],
            *warned,
        ]
        selected = self.frame.select(columns)
        names = [c.name for c in plan.clauses if c.kind is ir.ClauseKind.WARN]
        flags = selected.drop([f"\x00warn.{n}" for n in names]).to_arrow()
        flags = flags.add_column(0, "id", self.table.column(plan.participant.key).cast(pa.string()))
        matrix = selected.select([f"\x00warn.{n}" for n in names]).to_numpy() if names else None
        flags = flags.append_column("warnings", _warnings(matrix, names, flags.num_rows))
        return self.rewards(flags, schema, due)

    def expr(self, expr: ir.Expr, in_member: bool) -> pl.Expr:
        if isinstance(expr, ir.BoolOp):
            parts = [self.expr(o, in_member) for o in expr.operands]
            out = parts[0]
            for part in parts[1:]:
                out = (out & part) if expr.op is ir.BoolOperator.AND else (out | part)
            return out
        if isinstance(expr, ir.Not):
            return ~self.expr(expr.operand, in_member)
        if isinstance(expr, ir.Compare):
            return self.compare(expr, in_member)
        if isinstance(expr, ir.InList):
            options = [literal_value(o) for o in expr.options]
            if not all(isinstance(o, str) for o in options):
                raise _No
            operand = self.expr(expr.operand, in_member)
            found = ~operand.is_in(options) if expr.negated else operand.is_in(options)
            return pl.when(operand.is_null()).then(None).otherwise(found)
        if isinstance(expr, ir.Quantified) and not in_member and self.member is not None:
            return self.quantified(expr)
        if isinstance(expr, ir.NameRef | ir.QualifiedRef):
            return self.name(expr.name if isinstance(expr, ir.NameRef) else expr.column, in_member)
        if isinstance(expr, ir.Bool):
            return pl.lit(expr.value)
        raise _No

    def name(self, name: str, in_member: bool) -> pl.Expr:
        if in_member:
            if name not in self.member_fields:
                raise _No  # a participant value inside a quantifier: record by record
            return pl.col(name)
        metric = self.metrics.get(name)
        if metric is not None and metric.level is Level.PARTICIPANT:
            if name in self.given:
                return self.given[name]
            raise _No
        if self.plan.participant_table.column(name) is None:
            raise _No
        return pl.col(name)

    def compare(self, expr: ir.Compare, in_member: bool) -> pl.Expr:
        left, right = expr.left, expr.right
        if not isinstance(left, ir.NameRef | ir.QualifiedRef) or isinstance(right, ir.NameRef | ir.QualifiedRef):
            raise _No  # the common shape `name op literal` only
        if not isinstance(right, ir.Money | ir.Percent | ir.Duration | ir.Number | ir.String | ir.Bool):
            raise _No  # dates and instants: record by record
        value = literal_value(right)
        name = left.name if isinstance(left, ir.NameRef) else left.column
        metric = self.metrics.get(name)
        if metric is not None and metric.parts is not None and not in_member and name not in self.given:
            return self.ratio(metric, expr.op, value)
        return _op(expr.op, self.name(name, in_member), _literal(value))

    def ratio(self, metric: MetricPlan, op: ir.CompareOp, value: Any) -> pl.Expr:
        """``top / bottom op p/q`` as ``top × q op p × bottom`` (flipped for a negative bottom)."""
        assert metric.parts is not None
        top_name, bottom_name = metric.parts
        for part in (top_name, bottom_name):
            given = self.given.get(part)
            dtype = self.frame.lazy().select(given).collect_schema().dtypes()[0] if given is not None else None
            if dtype is None or not (dtype.is_integer() or dtype == pl.Null):
                raise _No
        top, bottom = self.given[top_name].cast(pl.Int64), self.given[bottom_name].cast(pl.Int64)
        if not isinstance(value, Fraction | Decimal | int) or isinstance(value, bool):
            raise _No
        exact = Fraction(value)
        biggest = self.frame.select(pl.max_horizontal(top.abs().max(), bottom.abs().max())).item() or 0
        if biggest * max(abs(exact.numerator), exact.denominator) >= _LIMIT:
            raise _No
        left, right = top * exact.denominator, bottom * exact.numerator
        flipped = {ir.CompareOp.LT: ir.CompareOp.GT, ir.CompareOp.GT: ir.CompareOp.LT}
        flipped |= {ir.CompareOp.LE: ir.CompareOp.GE, ir.CompareOp.GE: ir.CompareOp.LE}
        negative = _op(flipped.get(op, op), left, right)
        answer = pl.when(bottom > 0).then(_op(op, left, right)).otherwise(negative)
        return pl.when(bottom != 0).then(answer).otherwise(None)

    def quantified(self, expr: ir.Quantified) -> pl.Expr:
        """The quantifier's truth per participant, counted over the flattened members."""
        reads = sorted(_refs(expr.body) & self.member_fields)
        if not reads:
            raise _No  # a body that reads no member value: record by record
        arrays = [pc.struct_field(self.member_structs, name) for name in reads]
        frame = pl.from_arrow(pa.Table.from_arrays(arrays, names=reads))
        assert isinstance(frame, pl.DataFrame)
        body = frame.select(self.expr(expr.body, True).fill_null(False)).to_series().to_numpy()
        passing = np.bincount(self.parents[body], minlength=self.table.num_rows)
        if expr.quantifier is ir.Quantifier.EVERY:
            truth = passing == self.lengths
        elif expr.quantifier is ir.Quantifier.ANY:
            truth = passing >= 1
        elif expr.quantifier is ir.Quantifier.NO:
            truth = passing == 0
        else:
            truth = passing >= int(expr.count or 0)
        name = f"\x00quantifier{self.frame.width}"
        self.frame = self.frame.with_columns(pl.Series(name, truth))
        return pl.col(name)

    # ----------------------------------------------------------------- rewards

    def rewards(self, flags: pa.Table, schema: pa.Schema, due: dt.date | None) -> pa.Table:
        plan = self.plan
        qualified = flags.column("qualified").to_numpy()
        digits = -minor_unit(plan.currency).as_tuple().exponent  # type: ignore[operator]
        total = np.zeros(flags.num_rows, dtype=np.int64)
        columns = {name: flags.column(name) for name in flags.column_names}
        money = schema.field("total_payout").type
        for field in schema:
            if not field.name.startswith("reward."):
                continue
            reward = plan.reward(field.name.removeprefix("reward."))
            assert reward is not None
            units = self.rebate(reward, int(digits))
            total += np.where(qualified, units, 0)
            columns[field.name] = _money(units, money, ~qualified)
        columns["total_payout"] = _money(total, money, None)
        if due is not None:  # due when something is paid: one scalar chosen per row, no list of dates
            paid = pa.array(total > 0)
            columns["payout_due"] = pc.if_else(paid, pa.scalar(due, pa.date32()), pa.scalar(None, pa.date32()))
        else:
            columns["payout_due"] = pa.nulls(flags.num_rows, pa.date32())
        return pa.table([columns[f.name] for f in schema], schema=schema)

    def rebate(self, reward: Any, digits: int) -> np.ndarray[Any, Any]:
        """The rebate in minor units: ``rate × base`` when the base is positive, capped, rounded half-even."""
        decl = reward.decl
        if reward.kind.name != "rebate" or decl.rate is None or decl.base not in self.given:
            raise _No
        if decl.base not in self.table.column_names:
            raise _No
        units, scale = _units(self.table.column(decl.base))
        rate = decl.rate.fraction  # a Decimal: R / 10**t
        numerator, t = _scaled(rate)
        cap = decl.limits.per_participant.amount if decl.limits.per_participant is not None else None
        # amount × 10**digits = units × numerator × 10**digits / 10**(scale + t)
        exponent = scale + t - digits
        factor = numerator * 10 ** max(0, -exponent)
        divisor = 10 ** max(0, exponent)
        biggest = int(np.abs(units).max()) if units.size else 0
        cap_numerator, c = _scaled(cap) if cap is not None else (0, 0)
        if biggest * abs(factor) * 10**c >= _LIMIT or abs(cap_numerator) * divisor * 10**digits >= _LIMIT:
            raise _No
        positive = np.where(units > 0, units, 0)
        raw = positive * factor  # the amount × 10**digits × divisor
        result = _half_even(raw, divisor)
        if cap is not None:
            # Capped before rounding: amount > cap <=> raw × 10**c > cap_numerator × 10**digits × divisor.
            over = raw * 10**c > cap_numerator * 10**digits * divisor
            capped = _half_even(np.array([cap_numerator * 10**digits]), 10**c)[0]
            result = np.where(over, capped, result)
        return result


def _read_names(plan: Plan) -> set[str]:
    """The names the clauses read, with the parts of the ratios among them."""
    found: set[str] = set()
    for clause in plan.clauses:
        for expr in (clause.decl.condition, clause.decl.guard):
            found |= _refs(expr)
    for metric in plan.metrics:
        if metric.name in found and metric.parts is not None:
            found |= set(metric.parts)
    return found


def _refs(expr: ir.Expr | None) -> set[str]:
    """The names and columns ``expr`` reads."""
    found: set[str] = set()
    for node in walk.walk(expr):
        if isinstance(node, ir.NameRef):
            found.add(node.name)
        elif isinstance(node, ir.QualifiedRef):
            found.add(node.column)
    return found


def _duplicated(parents: np.ndarray[Any, Any], keys: pa.Array) -> bool:
    """Whether some participant lists the same member id twice.

    Each id is dictionary-encoded (exact, no hashing collisions) and paired with its
    participant's row as one integer; the pairs are distinct exactly when no id repeats
    within a participant."""
    if keys.null_count:
        return True  # a member without an id: the record-by-record path reports it
    lengths = np.bincount(parents, minlength=1) if parents.size else np.zeros(1, dtype=np.int64)
    longest = int(lengths.max())
    if longest <= 8:
        # Few members each: compare every id with the next `gap` ids of the same participant.
        for gap in range(1, longest):
            same = parents[gap:] == parents[:-gap]
            if not same.any():
                continue
            equal = pc.equal(keys.slice(gap), keys.slice(0, len(keys) - gap)).to_numpy(zero_copy_only=False)
            if (equal & same).any():
                return True
        return False
    codes = pc.dictionary_encode(keys).indices.to_numpy().astype(np.int64)
    width = int(codes.max()) + 1 if codes.size else 1
    pairs = parents.astype(np.int64) * width + codes
    return bool(pl.Series(pairs).n_unique() != len(pairs))


def _counts_rows(entry: Aggregate) -> bool:
    """The registry's entry counts the rows (no column, a whole-number count): over the member
    rows of a participant it is their number."""
    return entry.column == "none" and not entry.period and entry.shape is Shape.VALUE


def _warnings(matrix: np.ndarray[Any, Any] | None, names: list[str], rows: int) -> pa.Array:
    """Each row's warnings (the names of the warn clauses that hold and are judged), in clause order."""
    if matrix is None:
        return pa.ListArray.from_arrays(pa.array(np.zeros(rows + 1, dtype=np.int32)), pa.array([], pa.string()))
    matrix = matrix.astype(bool)
    offsets = np.zeros(rows + 1, dtype=np.int32)
    np.cumsum(matrix.sum(axis=1), out=offsets[1:])
    _, which = np.nonzero(matrix)  # row-major: each row's warnings in clause order
    values = pa.array(names, pa.string()).take(pa.array(which))
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _text(arrow: pa.DataType) -> bool:
    return bool(pa.types.is_string(arrow) or pa.types.is_large_string(arrow) or pa.types.is_string_view(arrow))


def _exact_number(arrow: pa.DataType) -> bool:
    """Integers, or decimals within the limits the per-record reader keeps (12 places, 26 whole digits)."""
    if pa.types.is_integer(arrow) and arrow != pa.uint64():
        return True
    return bool(pa.types.is_decimal128(arrow) and arrow.scale <= 12 and arrow.precision - arrow.scale <= 26)


def _given_type(metric: MetricPlan, arrow: pa.DataType) -> None:
    kind = metric.type.kind.value
    if pa.types.is_null(arrow):
        return  # every value unknown
    if kind in ("count", "int") and pa.types.is_integer(arrow) and arrow != pa.uint64():
        return
    if kind in ("money", "decimal", "duration") and _exact_number(arrow):
        return
    raise _No


def _literal(value: Any) -> pl.Expr:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return pl.lit(int(value))
    if isinstance(value, Fraction) and value.denominator == 1:
        return pl.lit(int(value))
    if isinstance(value, Fraction):
        raise _No
    return pl.lit(value)


def _op(op: ir.CompareOp, left: pl.Expr, right: pl.Expr) -> pl.Expr:
    if op is ir.CompareOp.EQ:
        return left == right
    if op is ir.CompareOp.NE:
        return left != right
    if op is ir.CompareOp.LT:
        return left < right
    if op is ir.CompareOp.LE:
        return left <= right
    if op is ir.CompareOp.GT:
        return left > right
    return left >= right


def _scaled(value: Decimal) -> tuple[int, int]:
    """``value`` as (integer, places): ``0.02`` is (2, 2)."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    number = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exponent >= 0:
        return number * 10**exponent, 0
    return number, -exponent


def _units(values: pa.ChunkedArray) -> tuple[np.ndarray[Any, Any], int]:
    """A column of integers or decimals as its unscaled int64 values and scale (nulls as 0)."""
    array = values.combine_chunks()
    if pa.types.is_null(array.type):
        return np.zeros(len(array), dtype=np.int64), 0
    if pa.types.is_integer(array.type):
        return array.fill_null(0).to_numpy().astype(np.int64), 0
    scale = array.type.scale
    if not pa.types.is_decimal128(array.type):
        raise _No
    # decimal128 of any precision: 16-byte two's-complement words, read in place.
    words = np.frombuffer(array.buffers()[1], dtype="<i8")[2 * array.offset : 2 * (array.offset + len(array))]
    low, high = words[0::2], words[1::2]
    if array.null_count:
        missing = array.is_null().to_numpy(zero_copy_only=False)
        low, high = np.where(missing, 0, low), np.where(missing, 0, high)
    if not np.array_equal(high, low >> 63):
        raise _No  # beyond 64 bits: record by record
    return low.copy(), scale


def _half_even(numerator: np.ndarray[Any, Any], divisor: int) -> np.ndarray[Any, Any]:
    if divisor == 1:
        return numerator
    quotient, remainder = np.divmod(numerator, divisor)
    up = (2 * remainder > divisor) | ((2 * remainder == divisor) & (quotient % 2 == 1))
    rounded: np.ndarray[Any, Any] = quotient + up
    return rounded


def _money(units: np.ndarray[Any, Any], money: pa.Decimal128Type, missing: np.ndarray[Any, Any] | None) -> pa.Array:
    """Minor units as a ``decimal128`` array of the currency's scale (two's-complement words)."""
    words = np.empty(2 * len(units), dtype="<i8")
    words[0::2], words[1::2] = units, units >> 63
    validity = None
    if missing is not None and missing.any():
        validity = pa.array(~missing).buffers()[1]
    return pa.Array.from_buffers(money, len(units), [validity, pa.py_buffer(words)])
