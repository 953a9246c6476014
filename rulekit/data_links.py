"""Data quality of declared links (issue 10, construct 4: sub-entities and links).

For every ``link: listing_id -> listings`` the data-quality report counts the rows of the
linking table (after cleaning) that belong to no entity: a null ``listing_id``, or a value
that is the key of no usable ``listings`` row (an orphan). Both kinds of rows are kept —
they may still count in metrics over their own table — and count for no listing in a
``per listing`` metric; the report says so, with one example row, so nothing is left out
silently.
"""

from __future__ import annotations

import duckdb
from sqlglot import exp

from rulekit import ir
from rulekit.plan.links import resolve_link, singular
from rulekit.results import DataIssue
from rulekit.sql import build as b


def link_issues(con: duckdb.DuckDBPyConnection, program: ir.Program, loaded: set[str]) -> list[DataIssue]:
    """The null and orphan link values of every cleaned table in ``loaded``."""
    from rulekit.data import _count_and_example as count_and_example  # data imports this module

    issues: list[DataIssue] = []
    for table in program.tables:
        for link in table.links:
            resolved = resolve_link(program, table, link)
            if resolved is None or table.name not in loaded or resolved.target not in loaded:
                continue
            noun = singular(resolved.target)
            column = b.col(resolved.column)
            null = exp.Is(this=column, expression=b.null())
            keys = b.select(b.col(resolved.target_column)).from_(b.table(resolved.target)).subquery()
            orphan = b.and_(exp.Not(this=null.copy()), b.not_(exp.In(this=column.copy(), query=keys)))
            for cond, problem in (
                (null, f"null {resolved.column}; rows kept, counted for no {noun}"),
                (orphan, f"{resolved.column} not in {resolved.target}; rows kept, counted for no {noun}"),
            ):
                count, example = count_and_example(con, table.name, cond)
                if count:
                    issues.append(
                        DataIssue(
                            table=table.name, column=resolved.column, problem=problem, rows=count, example=example
                        )
                    )
    return issues
