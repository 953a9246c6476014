"""Regenerate the code tables of docs/diagnostics.md and docs/test.md from rulekit/codes.py.

Usage (from the repository root):

    .venv/bin/python scripts/gen_diagnostics_doc.py          # write the files
    .venv/bin/python scripts/gen_diagnostics_doc.py --check  # exit 1 when they are stale
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rulekit.codes_doc import generated_docs  # noqa: E402  (after the path set-up above)


def main(argv: list[str]) -> int:
    stale = []
    for path, text in generated_docs(ROOT).items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if "--check" not in argv:
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if '--check' in argv else 'updated'}: {path.relative_to(ROOT)}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
