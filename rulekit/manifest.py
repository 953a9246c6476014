"""The audit manifest written beside every settlement output.

It records what went in (the rule file's and every input's sha256 and row count),
which rulekit did the work, and what came out (totals, payout due date, the
output's own sha256). It holds nothing about the run itself (no clock time, no
host, no absolute paths), so the same inputs give a byte-identical manifest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from rulekit.data import LoadedData
from rulekit.results import Settlement


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_manifest(
    rule_file: Path,
    loaded: LoadedData,
    settlement: Settlement,
    output: Path | None = None,
    rule_text: str | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict (money as strings, keys sorted when written).

    ``rule_text`` is the rule file's text when it came from standard input (``rule_file``
    is then ``-``): the manifest names it ``<stdin>`` and hashes its UTF-8 bytes.
    """
    from rulekit import __version__

    manifest: dict[str, Any] = {
        "rulekit_version": __version__,
        "program": settlement.program,
        "rule_file": _rule_file(rule_file, rule_text),
        "inputs": [
            {
                "table": info.table,
                "source": info.source,
                "sha256": info.sha256,
                "rows": info.rows,
                "rows_used": loaded.rows_used.get(info.table, 0),
            }
            for info in loaded.inputs
        ],
        "timezone": settlement.timezone,
        "currency": settlement.currency,
        "totals": {key: str(value) for key, value in settlement.totals.items()},
        "payout_due": settlement.payout_due.isoformat() if settlement.payout_due else None,
        "data_quality_issues": len(settlement.data_quality),
    }
    if output is not None:
        manifest["output"] = {"name": output.name, "sha256": sha256_file(output)}
    return manifest


def _rule_file(path: Path, text: str | None) -> dict[str, str]:
    if text is not None:
        return {"name": "<stdin>", "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    return {"name": path.name, "sha256": sha256_file(path)}


def manifest_path(output: Path) -> Path:
    """``out/settlement.json`` → ``out/settlement.json.manifest.json``."""
    return output.with_name(output.name + ".manifest.json")


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
