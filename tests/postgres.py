"""The PostgreSQL server of a test session (docs/design.md §14.27).

Found in this order: ``IVR_TEST_POSTGRES_URL`` (a server someone runs; the
session's databases are created and dropped there), else the machine's
binaries under ``/usr/lib/postgresql/*/bin`` (a throw-away cluster on a Unix
socket in a temporary folder, run as the ``postgres`` user when we are root),
else the ``pgserver`` package.  One server per test session: pytest-xdist
workers share it through a file in the session's base temporary folder, and the
controlling process stops it at the end.  Each test gets a database of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from tests import sql

ENV_URL = "IVR_TEST_POSTGRES_URL"
STATE_FILE = "postgres.json"
SERVER_SETTINGS = (
    "-c listen_addresses='' -c max_connections=400 -c fsync=off "
    "-c full_page_writes=off -c shared_buffers=64MB"
)


@dataclass(frozen=True)
class Server:
    """A running server: ``url`` reaches its maintenance database."""

    url: str
    kind: str
    datadir: str | None = None
    binaries: str | None = None
    as_postgres: bool = False
    prefix: str = ""

    def database_url(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path="/" + quote(name)))


def _binaries() -> Path | None:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(candidates):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _run(args: list[str], *, as_postgres: bool) -> None:
    command = ["runuser", "-u", "postgres", "--", *args] if as_postgres else args
    subprocess.run(command, check=True, capture_output=True)


def _start_binaries(binaries: Path) -> Server:
    as_postgres = os.geteuid() == 0
    top = Path(tempfile.mkdtemp(prefix="ivr-pg-"))
    if as_postgres:
        user = pwd.getpwnam("postgres")
        os.chown(top, user.pw_uid, user.pw_gid)
    data = top / "data"
    _run(
        [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
        as_postgres=as_postgres,
    )
    _run(
        [
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(top / "server.log"),
            "-w",
            "-o",
            f"{SERVER_SETTINGS} -k {top}",
            "start",
        ],
        as_postgres=as_postgres,
    )
    url = f"postgresql://postgres@/postgres?host={quote(str(top))}"
    return Server(url, "binaries", str(data), str(binaries), as_postgres)


def _start_pgserver() -> Server:
    import pgserver  # type: ignore[import-untyped]

    top = tempfile.mkdtemp(prefix="ivr-pgserver-")
    server = pgserver.get_server(top, cleanup_mode=None)
    return Server(server.get_uri(), "pgserver", top)


def start() -> Server:
    prefix = "ivr_test_" + uuid.uuid4().hex[:8]
    external = os.environ.get(ENV_URL)
    if external:
        return Server(external, "external", prefix=prefix)
    binaries = _binaries()
    server = _start_binaries(binaries) if binaries is not None else _start_pgserver()
    return Server(**{**server.__dict__, "prefix": prefix})


def stop(server: Server) -> None:
    if server.kind == "external":
        _drop_databases(server)
        return
    if server.kind == "binaries" and server.binaries and server.datadir:
        with contextlib.suppress(subprocess.CalledProcessError):
            _run(
                [
                    f"{server.binaries}/pg_ctl",
                    "-D",
                    server.datadir,
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                as_postgres=server.as_postgres,
            )
        shutil.rmtree(Path(server.datadir).parent, ignore_errors=True)
    elif server.kind == "pgserver" and server.datadir:
        import pgserver

        with contextlib.suppress(Exception):
            pgserver.get_server(server.datadir, cleanup_mode="delete").cleanup()
        shutil.rmtree(server.datadir, ignore_errors=True)


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
