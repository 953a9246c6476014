"""Explanations of comparisons between points in time (issue 10): `joined_at + 6 months`,
`end of program_period`, worded with each side's instant in the program's time zone.

``brand registered at + 6 months`` reads "6 months after joined at (2024-02-29 09:00)";
a side with no value (a null column, a relative window without its anchor) reads "no value".
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from rulekit import ir
from rulekit.reasons import format_literal

_OP = {
    ir.CompareOp.LT: "before",
    ir.CompareOp.LE: "at or before",
    ir.CompareOp.GT: "after",
    ir.CompareOp.GE: "at or after",
    ir.CompareOp.EQ: "at",
    ir.CompareOp.NE: "not at",
}


def point_words(expr: ir.Expr) -> str:
    """A point as written, in words: ``6 months after joined at``, ``the end of program period``."""
    match expr:
        case ir.WindowBound(window=window, end=end):
            return f"the {'end' if end else 'start'} of {window.replace('_', ' ')}"
        case ir.Shift(base=base, length=length, subtract=subtract):
            return f"{format_literal(length)} {'before' if subtract else 'after'} {point_words(base)}"
        case ir.NameRef(name=name):
            return name.replace("_", " ")
        case ir.QualifiedRef(column=column):
            return column.replace("_", " ")
        case ir.DateValue():
            return format_literal(expr)
    return "this"


def local_text(value: object, tz: ZoneInfo) -> str:
    """An instant as the program's local wall-clock time (``2024-02-29 09:00:00``), or "no value"."""
    if not isinstance(value, dt.datetime):
        return "no value"
    local = value.astimezone(tz)
    text = local.strftime("%Y-%m-%d %H:%M:%S")
    return text + (f".{local.microsecond:06d}" if local.microsecond else "")


def point_reason(expr: ir.Compare, left: object, right: object, tz: ZoneInfo, truth: bool) -> str:
    """``brand registered at (…) is at or before 6 months after joined at (…): holds``."""
    verdict = "holds" if truth else "does not hold"
    return (
        f"{point_words(expr.left)} ({local_text(left, tz)}) is {_OP[expr.op]} "
        f"{point_words(expr.right)} ({local_text(right, tz)}): {verdict}"
    )
