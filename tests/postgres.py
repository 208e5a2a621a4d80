"""The PostgreSQL server of a test session (docs/design.md §14.27).

Found in this order: ``IVR_TEST_POSTGRES_URL`` (a server someone runs; the
session's databases are created and dropped there), else a throw-away server
without fsync (``benchmarks/postgres_server.py``: the machine's binaries on a
Unix socket in a temporary folder, else the ``pgserver`` package).  One server
per test session: pytest-xdist workers share it through a file in the session's
base temporary folder, and the controlling process stops it at the end.  Each
test gets a database of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks import postgres_server
from tests import sql

ENV_URL = "IVR_TEST_POSTGRES_URL"
STATE_FILE = "postgres.json"


@dataclass(frozen=True)
class Server(postgres_server.Server):
    """The session's server; its databases' names start with ``prefix``."""

    prefix: str = ""


def start() -> Server:
    prefix = "ivr_test_" + uuid.uuid4().hex[:8]
    external = os.environ.get(ENV_URL)
    if external:
        return Server(external, "external", prefix=prefix)
    server = postgres_server.start(durable=False)
    return Server(**{**server.__dict__, "prefix": prefix})


def stop(server: Server) -> None:
    if server.kind == "external":
        _drop_databases(server)
    else:
        postgres_server.stop(server)


def _drop_databases(server: Server) -> None:
    names = sql.values(
        server.url, "SELECT datname FROM pg_database WHERE datname LIKE ?", server.prefix + "%"
    )
    for (name,) in names:
        sql.rows(server.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "postgres.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def shared(folder: Path) -> Server:
    """The session's server, started by whichever process asks first."""
    with _locked(folder):
        state = folder / STATE_FILE
        if state.exists():
            return Server(**json.loads(state.read_text()))
        server = start()
        state.write_text(json.dumps(server.__dict__))
        return server


def release(folder: Path) -> None:
    """Stop the session's server, if one was started (by the controlling process)."""
    state = folder / STATE_FILE
    with _locked(folder):
        if not state.exists():
            return
        server = Server(**json.loads(state.read_text()))
        state.unlink()
    stop(server)
