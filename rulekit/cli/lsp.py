"""``rulekit lsp``: the language server, over stdin and stdout, for editors."""

from __future__ import annotations

from rulekit.cli.app import app


@app.command()
def lsp() -> None:
    """Start the language server on stdin/stdout (editors launch this; see docs/editors.md)."""
    # Imported here: pygls is only needed by this command.
    from rulekit.lsp.server import serve

    serve()
