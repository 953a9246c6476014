"""Real engines for the test suite: a throw-away Postgres server and a local Spark session.

Neither is optional: when Java or the Postgres server programs are missing, the fixtures
fail with the command that installs them (``scripts/engines.sh``), never skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

INSTALL_HINT = "run `bash scripts/engines.sh` (installs default-jre-headless and postgresql)"
# Settings that make a local session fast on tiny data (on top of rulekit's own, see
# rulekit.engines.spark): one partition, no adaptive re-planning, no Java code generation.
SPARK_TEST_SETTINGS = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
}


def postgres_program(name: str) -> str:
    """The path of a Postgres server program: on PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    if not candidates:
        raise AssertionError(f"the Postgres engine tests need `{name}`, which is not installed: {INSTALL_HINT}")
    return candidates[-1]


def _version_key(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_user(command: list[str]) -> list[str]:
    """Postgres refuses to run as root: as root, run it as `nobody`."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "nobody", "--", *command]


@contextmanager
def postgres_server() -> Iterator[str]:
    """A new Postgres cluster on 127.0.0.1 (trust authentication, a free port), removed afterwards;
    yields its connection string."""
    initdb, pg_ctl = postgres_program("initdb"), postgres_program("pg_ctl")
    folder = Path(tempfile.mkdtemp(prefix="rulekit-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, user="nobody")
    port = _free_port()
    run = _run_checked
    try:
        run(_as_server_user([initdb, "-D", str(data), "-A", "trust", "-U", "rulekit", "--no-sync"]))
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off"
        run(_as_server_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]))
        try:
            yield f"host=127.0.0.1 port={port} user=rulekit dbname=postgres"
        finally:
            run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_checked(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def spark_session() -> Any:
    """A local Spark session for the tests (rulekit's settings plus :data:`SPARK_TEST_SETTINGS`)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise AssertionError(f"the Spark engine tests need a Java runtime: {INSTALL_HINT}")
    from pyspark.sql import SparkSession

    from rulekit.engines.spark import LOCAL, REQUIRED

    builder = SparkSession.builder.master("local[1]").appName("rulekit-tests")
    for key, value in {**LOCAL, **REQUIRED, **SPARK_TEST_SETTINGS}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
