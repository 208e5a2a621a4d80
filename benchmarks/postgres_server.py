"""A throw-away PostgreSQL server, for the test suite and the benchmarks (docs/design.md §14.27).

The machine's binaries under ``/usr/lib/postgresql/*/bin`` (a cluster on a Unix socket in a
temporary folder, run as the ``postgres`` user when we are root), else the ``pgserver``
package.  The tests start one per session without fsync (``tests/postgres.py``); a
benchmark's ``--db postgresql`` starts a durable one (fsync and full page writes on), so its
figures are of commits that survive a power loss.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

SETTINGS = "-c listen_addresses='' -c max_connections=400 -c shared_buffers=64MB"
NOT_DURABLE = "-c fsync=off -c full_page_writes=off"
DURABLE = "-c fsync=on -c full_page_writes=on"
BENCH_DATABASE = "ivr_bench"


@dataclass(frozen=True)
class Server:
    """A running server: ``url`` reaches its maintenance database."""

    url: str
    kind: str
    datadir: str | None = None
    binaries: str | None = None
    as_postgres: bool = False

    def database_url(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path="/" + quote(name)))


def start(*, durable: bool) -> Server:
    """A new server of the machine's binaries, else of ``pgserver``."""
    binaries = _binaries()
    if binaries is None:
        return _start_pgserver()
    return _start_binaries(binaries, DURABLE if durable else NOT_DURABLE)


def stop(server: Server) -> None:
    """Stop a server :func:`start` started, and remove its folder."""
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
        from pgserver.postgres_server import get_server

        with contextlib.suppress(Exception):
            get_server(server.datadir, cleanup_mode="delete").cleanup()
        shutil.rmtree(server.datadir, ignore_errors=True)


@contextlib.contextmanager
def bench_database(db: str) -> Iterator[str]:
    """The database of a benchmark's ``--db``: a ``postgresql://…`` URL as given, or for
    ``postgresql`` a durable throw-away server with an empty database, stopped after."""
    if db != "postgresql":
        yield db
        return
    from benchmarks.harness import peek_postgres

    server = start(durable=True)
    try:
        peek_postgres(server.url, f'CREATE DATABASE "{BENCH_DATABASE}"', ())
        yield server.database_url(BENCH_DATABASE)
    finally:
        stop(server)


def db_option(db: str) -> str:
    """The argparse ``type`` of a benchmark's ``--db``: ``postgresql`` or a URL of one."""
    if db == "postgresql" or db.startswith(("postgresql://", "postgres://")):
        return db
    raise argparse.ArgumentTypeError("takes postgresql://… or postgresql")


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


def _start_binaries(binaries: Path, durability: str) -> Server:
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
            *(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(top / "server.log"), "-w"),
            *("-o", f"{SETTINGS} {durability} -k {top}", "start"),
        ],
        as_postgres=as_postgres,
    )
    url = f"postgresql://postgres@/postgres?host={quote(str(top))}"
    return Server(url, "binaries", str(data), str(binaries), as_postgres)


def _start_pgserver() -> Server:
    from pgserver.postgres_server import get_server

    top = tempfile.mkdtemp(prefix="ivr-pgserver-")
    server = get_server(top, cleanup_mode=None)
    return Server(server.get_uri(), "pgserver", top)
