"""``rulekit serve FILE... [--host H] [--port P] [--max-body-bytes N] [--max-batch N] [--reload/--no-reload]``:
an HTTP JSON decision service (see ``docs/serve.md``).

Exit status: 1 when a rule file has errors at start (rendered diagnostics) or two files
declare the same program name, or the port cannot be bound; 2 for a wrong command line.
While running, a broken edit of a rule file never replaces the program being served.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from rulekit.cli.app import EXIT_FINDINGS, EXIT_USAGE, app, err
from rulekit.cli.stdin import is_stdin
from rulekit.errors import RuleFileError
from rulekit.serve.config import DEFAULT_MAX_BATCH, DEFAULT_MAX_BODY_BYTES, DEFAULT_RELOAD_INTERVAL

DEFAULT_PORT = 8000


@app.command()
def serve(
    files: Annotated[list[Path], typer.Argument(help="Rule files, one program each.", metavar="FILE...")],
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=0, max=65535)] = DEFAULT_PORT,
    max_body_bytes: Annotated[
        int, typer.Option("--max-body-bytes", help="Largest request body accepted (bytes).", min=1)
    ] = DEFAULT_MAX_BODY_BYTES,
    max_batch: Annotated[int, typer.Option("--max-batch", help="Most facts in one batch request.", min=1)] = (
        DEFAULT_MAX_BATCH
    ),
    reload: Annotated[
        bool, typer.Option("--reload/--no-reload", help="Reload a rule file when it changes and loads clean.")
    ] = True,
    reload_interval: Annotated[
        float, typer.Option("--reload-interval", help="Seconds between looks at the rule files.", min=0.05)
    ] = DEFAULT_RELOAD_INTERVAL,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = True,
) -> None:
    """Serve decisions over HTTP as JSON: decide, explain, batch decide, program info, health."""
    if any(is_stdin(f) for f in files):
        err.print("rulekit serve: rule files are reloaded when they change, so `-` cannot be served", markup=False)
        raise typer.Exit(EXIT_USAGE)
    import uvicorn  # the server is loaded only by this command

    from rulekit.serve import Registry, ServeConfig, ServeSetupError, create_app

    try:
        registry = Registry.load([str(f) for f in files])
    except RuleFileError as exc:
        err.print(exc.rendered, markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    except ServeSetupError as exc:
        err.print(f"rulekit serve: {exc}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    config = ServeConfig(max_body_bytes, max_batch, reload, reload_interval)
    _log_to_stderr()
    names = ", ".join(f"/programs/{n}" for n in registry.names)
    logging.getLogger("rulekit.serve").info("serving %s on http://%s:%d", names, host, port)
    server = uvicorn.Server(
        uvicorn.Config(create_app(registry, config), host=host, port=port, access_log=access_log, log_level="info")
    )
    server.run()
    if not server.started:  # the port could not be bound; uvicorn has said why
        raise typer.Exit(EXIT_FINDINGS)


def _log_to_stderr() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("rulekit.serve")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
