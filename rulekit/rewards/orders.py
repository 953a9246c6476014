"""What the kinds decided on each order share (commission, subsidy): a money column of
an event table, the rows a window and a ``where`` select, and the status (eligible or
qualified) the participant needs for the order to count."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from sqlglot import exp

from rulekit import codes, ir
from rulekit.checks.metrics import check_filters, event_table
from rulekit.diagnostics import suggest
from rulekit.diff import filter_fields, format_filters
from rulekit.rewards.base import OrderSource, RewardKind
from rulekit.sql import build as b
from rulekit.sql.exprs import CompileError
from rulekit.sql.metrics import PID, Context, E, event_source

if TYPE_CHECKING:
    from rulekit.checks.context import Context as CheckContext
    from rulekit.diff import Collector, Decl
    from rulekit.render.words import Words

OrderT = TypeVar("OrderT", ir.Commission, ir.Subsidy)


class OrderKind(RewardKind[OrderT]):
    """A kind decided per order. ``status`` is the participant flag an order needs
    (``eligible`` for a commission, ``qualified`` for a subsidy)."""

    per_order = True

    def order(self, reward: OrderT) -> OrderSource:
        return OrderSource(reward.table, reward.column, reward.filters, reward.table_span, reward.column_span)

    def check_order(self, ctx: CheckContext, reward: OrderT) -> None:
        """The money column, and filters that select rows (no `per`: the reward is decided per order)."""
        table = event_table(ctx, reward.table, reward.table_span)
        if table is None:
            return
        column = table.column(reward.column)
        if column is None:
            hint = suggest(reward.column, [c.name for c in table.columns])
            ctx.error(codes.RK102, f"table `{table.name}` has no column `{reward.column}`", reward.column_span, hint)
        elif column.type not in (ir.ColumnType.MONEY, None):
            ctx.error(
                codes.RK214,
                f"`{table.name}.{column.name}` is {column.type_name}, but a {self.name} applies to money",
                reward.column_span,
                f"name a money column of `{table.name}`",
            )
        if reward.filters.per is not None:
            ctx.error(
                codes.RK116,
                "`per` does not apply here: this reward is decided per order",
                reward.filters.per_span,
                "remove the `per` part",
            )
        else:
            check_filters(ctx, table, reward.filters, reward.table_span)

    def source_summary(self, head: str, reward: OrderT) -> str:
        """``rulekit diff``: ``<head> <column> in <table> <filters>``."""
        return " ".join(p for p in (f"{head} {reward.column} in {reward.table}", format_filters(reward.filters)) if p)

    def diff_source(self, c: Collector, decl: Decl, old: OrderT, new: OrderT, word: str) -> None:
        c.field(decl, word, f"{old.column} in {old.table}", f"{new.column} in {new.table}")
        filter_fields(c, decl, old.filters, new.filters)

    def most_for_one(self, reward: OrderT, words: Words) -> list[tuple[str, Decimal]] | None:
        return []


def order_table(ctx: Context, reward: ir.Commission | ir.Subsidy) -> ir.Table:
    tbl = ctx.program.table(reward.table)
    if tbl is None or not tbl.column(reward.column):
        raise CompileError(f"{reward.name}: unknown table or column {reward.table}.{reward.column}")
    return tbl


def with_status(ctx: Context, tbl: ir.Table, status: str) -> exp.Select:
    """The event rows of ``tbl`` joined to the participants' status CTE (alias ``st``)."""
    on = exp.EQ(this=b.col(PID, "st"), expression=b.col(ctx.pk, E))
    return event_source(ctx, tbl).join(ctx.ref(status, "st"), on=on)
