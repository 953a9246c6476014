"""Reading a request body: bounded in size, JSON with no number ever read as a float.

A JSON number with a fraction or an exponent is handed to ``decide`` as its own text
(``12.50`` as ``"12.50"``), so it is read by exactly the rule for numeric strings
(``docs/api.md``, *Facts*): exact, at most 12 decimal places, no exponent — and a
number that breaks the rule is a ``FactsError`` naming its table, column and row, like
any other bad value. Whole numbers stay ``int``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from rulekit.serve.errors import ApiError


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON, refusing more than ``limit`` bytes (413) and anything not JSON (400)."""
    return parse_json(await read_body(request, limit))


async def read_body(request: Request, limit: int) -> bytes:
    """At most ``limit`` bytes: a larger ``Content-Length`` is refused before reading, and a
    body without one (chunked) is cut off as soon as it passes the limit."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "bad_request", "Content-Length is not a number")
        if int(declared) > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    """JSON with fractional numbers kept as their text (see the module doc); ``NaN`` and
    ``Infinity`` are refused, as JSON itself does."""
    if not raw.strip():
        raise ApiError(400, "bad_json", "the request body is empty: send the facts as JSON")
    try:
        return json.loads(raw, parse_float=str, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ApiError(400, "bad_json", f"not valid JSON: {exc.msg}", line=exc.lineno, col=exc.colno) from None
    except UnicodeDecodeError:
        raise ApiError(400, "bad_json", "the request body is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:  # a number too long to read, nesting too deep
        words = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ApiError(400, "bad_json", f"cannot read the JSON: {words}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", f"the request body is over the limit of {limit} bytes", limit=limit)
