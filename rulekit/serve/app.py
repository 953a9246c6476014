"""The Starlette application: routes, the structured-error guard and the reload loop.

Decisions are CPU work, so they run in Starlette's thread pool and never block the
event loop (health answers while a batch is decided).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rulekit.api import CompiledProgram
from rulekit.errors import FactsError, RulekitError
from rulekit.serve.body import read_json
from rulekit.serve.config import ServeConfig
from rulekit.serve.errors import ApiError, error_response, facts_error
from rulekit.serve.info import program_info
from rulekit.serve.openapi import openapi_document
from rulekit.serve.outcomes import decide_outcomes
from rulekit.serve.registry import Registry, Slot

log = logging.getLogger("rulekit.serve")


def create_app(registry: Registry, config: ServeConfig | None = None) -> Starlette:
    """The ASGI application serving ``registry``'s programs with ``config``'s limits."""
    cfg = config or ServeConfig()
    handlers = _Handlers(registry, cfg)
    routes = [
        Route("/health", handlers.health, methods=["GET"]),
        Route("/openapi.json", handlers.openapi, methods=["GET"]),
        Route("/programs", handlers.programs, methods=["GET"]),
        Route("/programs/{name}", handlers.info, methods=["GET"]),
        Route("/programs/{name}/decide", handlers.decide, methods=["POST"]),
        Route("/programs/{name}/explain", handlers.explain, methods=["POST"]),
        Route("/programs/{name}/decide-batch", handlers.decide_batch, methods=["POST"]),
        Route("/programs/{name}/decide-periods", handlers.decide_periods, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, ApiError: _api_error},
        lifespan=_lifespan(registry, cfg),
    )
    app.add_middleware(_Guard)
    app.state.registry = registry
    return app


class _Handlers:
    def __init__(self, registry: Registry, config: ServeConfig) -> None:
        self.registry = registry
        self.config = config

    async def health(self, request: Request) -> Response:
        slots = [s.status() for s in self.registry.slots]
        status = "degraded" if any(s["reload_error"] for s in slots) else "ok"
        return JSONResponse({"status": status, "programs": slots})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document(self.registry))

    async def programs(self, request: Request) -> Response:
        return JSONResponse({"programs": self.registry.names})

    async def info(self, request: Request) -> Response:
        return JSONResponse(program_info(self._slot(request.path_params["name"])))

    async def decide(self, request: Request) -> Response:
        program = self._program(request.path_params["name"])
        facts = await read_json(request, self.config.max_body_bytes)
        decision = await run_in_threadpool(_decide, program, facts, None)
        return _raw_json(decision.model_dump_json())

    async def explain(self, request: Request) -> Response:
        program = self._program(request.path_params["name"])
        facts = await read_json(request, self.config.max_body_bytes)
        body = await run_in_threadpool(_explained, program, facts)
        return _raw_json(body)

    async def decide_batch(self, request: Request) -> Response:
        name = request.path_params["name"]
        program = self._program(name)
        items = await read_json(request, self.config.max_body_bytes)
        if not isinstance(items, list):
            raise ApiError(422, "bad_batch", "a batch is a JSON array of facts objects")
        if len(items) > self.config.max_batch:
            limit = self.config.max_batch
            raise ApiError(413, "batch_too_large", f"{len(items)} facts in a batch; the limit is {limit}", limit=limit)
        view = request.query_params.get("view", "decisions")
        if view == "outcomes":  # decided by decide_batch: outcomes without reasons
            outcomes = await run_in_threadpool(decide_outcomes, program, items)
            return _raw_json(f'{{"program":{_quote(name)},"count":{len(items)},"outcomes":{outcomes}}}')
        if view != "decisions":
            raise ApiError(422, "bad_view", f"view is `decisions` or `outcomes`, got `{view}`")
        decisions = await run_in_threadpool(_decide_all, program, items)
        return _raw_json(f'{{"program":{_quote(name)},"count":{len(items)},"decisions":[{",".join(decisions)}]}}')

    async def decide_periods(self, request: Request) -> Response:
        name = request.path_params["name"]
        program = self._program(name, periods=True)
        facts = await read_json(request, self.config.max_body_bytes)
        lines = await run_in_threadpool(_periods, program, facts)
        return _raw_json(f'{{"program":{_quote(name)},"periods":[{",".join(lines)}]}}')

    def _slot(self, name: str) -> Slot:
        slot = self.registry.slot(name)
        if slot is None:
            raise ApiError(404, "unknown_program", f"no program named `{name}`", programs=self.registry.names)
        return slot

    def _program(self, name: str, *, periods: bool = False) -> CompiledProgram:
        """The program routed as ``name``; one paid per period is decided only period by period
        (a decision for the whole window would pay what no period pays), and vice versa."""
        program = self._slot(name).program
        paid = program.ir.payout.paid if program.ir.payout is not None else None
        if paid is not None and not periods:
            raise ApiError(422, "paid_per_period", f"`{name}` is paid {paid}: POST /programs/{name}/decide-periods")
        if paid is None and periods:
            raise ApiError(422, "paid_once", f"`{name}` is paid once: POST /programs/{name}/decide")
        return program


def _decide(program: CompiledProgram, facts: Any, item: int | None) -> Any:
    try:
        return program.decide(facts)
    except FactsError as exc:
        raise facts_error(exc, item) from None
    except RulekitError as exc:  # documented input errors other than facts: words, never a traceback
        fields = {"item": item} if item is not None else {}
        raise ApiError(422, "cannot_decide", str(exc), **fields) from None


def _periods(program: CompiledProgram, facts: Any) -> list[str]:
    """A program paid per period (issue 10, construct 6): one decision per pay period, as paid."""
    try:
        lines = program.decide_periods(facts)
    except FactsError as exc:
        raise facts_error(exc, None) from None
    return [f'{{"period":{_quote(line.period.label)},"decision":{line.result.model_dump_json()}}}' for line in lines]


def _explained(program: CompiledProgram, facts: Any) -> str:
    decision = _decide(program, facts, None)
    explanation = decision.explain(program.ir)
    return f'{{"decision":{decision.model_dump_json()},"explanation":{_quote(explanation)}}}'


def _decide_all(program: CompiledProgram, items: Sequence[Any]) -> list[str]:
    # One decision after another for now; the batch size limit bounds the time it takes.
    return [_decide(program, facts, i).model_dump_json() for i, facts in enumerate(items)]


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _raw_json(body: str) -> Response:
    return Response(body.encode("utf-8"), media_type="application/json")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail))


class _Guard:
    """The last line of defence: an unexpected error becomes a 500 with a generic message and
    an id; the traceback goes to the log under that id, never to the client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            error_id = uuid.uuid4().hex
            log.exception("internal error %s on %s %s", error_id, scope.get("method"), scope.get("path"))
            if started:  # the status line is out: nothing more can be said to this client
                return
            message = "internal error; the service log has the details under this id"
            await error_response(500, "internal", message, id=error_id)(scope, receive, send)


def _lifespan(registry: Registry, config: ServeConfig) -> Callable[[Starlette], Any]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_watch(registry, config.reload_interval)) if config.reload else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return lifespan


async def _watch(registry: Registry, interval: float) -> None:
    """Poll the rule files for changes until cancelled; a failing poll is logged, never fatal."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(registry.poll)
        except Exception:
            log.exception("reloading the rule files failed; still serving the loaded programs")
