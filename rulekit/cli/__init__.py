"""Command-line interface: ``rulekit check | run | explain | decide | docs | fmt | test | diff | lsp | serve | sql``.

Each command lives in its own module and registers itself on :data:`app`.
"""

from __future__ import annotations

import os
import sys
import traceback

from rulekit.cli.app import EXIT_FINDINGS, EXIT_INTERNAL, app, err
from rulekit.errors import RulekitError

# Importing a command module registers its command.
from rulekit.cli import check as _check  # noqa: F401  isort: skip
from rulekit.cli import run as _run  # noqa: F401  isort: skip
from rulekit.cli import decide as _decide  # noqa: F401  isort: skip
from rulekit.cli import explain as _explain  # noqa: F401  isort: skip
from rulekit.cli import diff as _diff  # noqa: F401  isort: skip
from rulekit.cli import docs as _docs  # noqa: F401  isort: skip
from rulekit.cli import fmt as _fmt  # noqa: F401  isort: skip
from rulekit.cli import test as _test  # noqa: F401  isort: skip
from rulekit.cli import lsp as _lsp  # noqa: F401  isort: skip
from rulekit.cli import serve as _serve  # noqa: F401  isort: skip
from rulekit.cli import sql as _sql  # noqa: F401  isort: skip


def main() -> None:
    """Console-script entry point: runs the app; an unexpected error is one line, not a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except RulekitError as exc:  # a problem with the user's input that a command did not word itself
        err.print(f"rulekit: {exc}", markup=False)
        sys.exit(EXIT_FINDINGS)
    except Exception as exc:  # the last line of defence for users
        if os.environ.get("RULEKIT_DEBUG"):
            traceback.print_exc()
        err.print(
            f"rulekit: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in rulekit, not in your files. Set RULEKIT_DEBUG=1 to see details."
        )
        sys.exit(EXIT_INTERNAL)
