# Sourced by the other scripts: puts a pinned uv in $UV, installing it into .tools/ once.
# Changing UV_VERSION is a deliberate tool upgrade, like a lock refresh.
UV_VERSION="0.13.9"
PY="${PYTHON:-python3}"
UV=".tools/bin/uv"
if ! [ -x "$UV" ] || [ "$("$UV" --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: rulekit needs Python 3.11 or newer; '$PY' is $("$PY" --version 2>&1 || echo missing)." >&2
    echo "  fix: install Python 3.11+ or point PYTHON at it: PYTHON=python3.12 bash $0" >&2
    exit 1
  fi
  rm -rf .tools
  "$PY" -m venv .tools
  .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
# The machine's Python, never a downloaded one; the project's own .venv.
export UV_PYTHON="$PY" UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$PWD/.venv" UV_NO_PROGRESS=1
