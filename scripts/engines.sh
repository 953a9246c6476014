#!/usr/bin/env bash
# The engines the test suite runs the settlement on besides DuckDB: a Java runtime (for
# Spark in local mode, through PySpark from uv.lock) and the PostgreSQL server programs
# (initdb, pg_ctl; the tests start a throw-away server on 127.0.0.1). Installed from the
# Debian packages when missing; nothing is done (and nothing is downloaded) when present.
set -euo pipefail

have_java() { command -v java >/dev/null 2>&1 || [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ]; }
have_postgres() {
  { command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; } && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

missing=()
have_java || missing+=(default-jre-headless)
have_postgres || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "scripts/engines.sh: the test suite needs ${missing[*]}; install them as root:" >&2
  echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "scripts/engines.sh: the test suite needs ${missing[*]} (no apt-get here: install them by hand)" >&2
  exit 1
fi
echo "scripts/engines.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
have_java && have_postgres
