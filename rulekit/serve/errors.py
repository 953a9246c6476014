"""Structured JSON errors: every error body is ``{"error": {"code": ..., "message": ..., ...}}``.

Nothing here ever carries a Python traceback or an exception's repr: a client sees a
stable ``code``, words, and where the problem is (table, column, row, batch item).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from rulekit.errors import FactsError, RulekitError


class ApiError(RulekitError):
    """A bad request, answered as JSON with ``status``; ``fields`` add where it is (table, column, ...)."""

    def __init__(self, status: int, code: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def response(self) -> JSONResponse:
        """The JSON response for this error."""
        return error_response(self.status, self.code, self.message, **self.fields)


def error_response(status: int, code: str, message: str, **fields: Any) -> JSONResponse:
    """``{"error": {"code", "message", **fields}}`` with ``status``."""
    return JSONResponse({"error": {"code": code, "message": message, **fields}}, status_code=status)


def facts_error(exc: FactsError, item: int | None = None) -> ApiError:
    """A 422 naming the table, column and row of bad facts (and the batch item, if any)."""
    fields: dict[str, Any] = {"table": exc.table, "column": exc.column, "row": exc.row}
    if item is not None:
        fields["item"] = item
    return ApiError(422, "bad_facts", str(exc), problem=exc.problem, **fields)
