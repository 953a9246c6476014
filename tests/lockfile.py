"""What uv.lock pins, for tests whose expected output depends on a library's data.

Babel's CLDR locale data (names of time zones, currencies, number and date patterns) and the
``holidays`` calendars change between releases; pinned output is only valid for the versions
it was generated with. Failure messages built here say which library and which version.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Libraries whose bundled data shapes rulekit's text and dates, and what each one decides.
DATA_LIBRARIES = {
    "babel": "CLDR locale data: time-zone and currency names, number, money and date formats",
    "holidays": "public-holiday calendars: business days and due dates",
}


@cache
def locked_versions() -> dict[str, str]:
    """``{package name: version}`` for every package in uv.lock."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {package["name"]: package["version"] for package in lock["package"] if "version" in package}


def installed_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def data_provenance(*libraries: str) -> str:
    """One paragraph for a failure message: the library versions this output depends on."""
    names = libraries or tuple(DATA_LIBRARIES)
    lines = []
    mismatch = False
    for name in names:
        locked, installed = locked_versions().get(name, "not locked"), installed_version(name)
        mismatch |= locked != installed
        lines.append(f"  {name} {installed} (uv.lock pins {locked}): {DATA_LIBRARIES[name]}")
    advice = (
        "the installed versions differ from uv.lock: run `bash scripts/setup.sh` to install the locked ones"
        if mismatch
        else "if a lock refresh moved one of them on purpose, regenerate with `bash scripts/regen.sh`"
    )
    return "this output depends on library data:\n" + "\n".join(lines) + f"\n{advice}."
