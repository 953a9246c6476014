"""``rulekit check FILE...`` (placeholder until the checker lands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rulekit.cli.app import app


@app.command()
def check(files: Annotated[list[Path], typer.Argument(help="Rule files to check.")]) -> None:
    """Check rule files and report every problem at once."""
    raise NotImplementedError("the checker is being built")
