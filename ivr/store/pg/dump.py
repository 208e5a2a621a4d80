"""``ivr backup`` on PostgreSQL: ``pg_dump -Fc`` of the server's major version."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from ivr.store.errors import StoreError
from ivr.store.location import masked

LIBRARY_BINARIES = "/usr/lib/postgresql/{major}/bin"


def find_pg_dump(major: int) -> str:
    """``IVR_PG_DUMP``, else a ``pg_dump`` of ``major`` on PATH or under
    ``/usr/lib/postgresql/<major>/bin``; :class:`StoreError` when there is none."""
    named = os.environ.get("IVR_PG_DUMP")
    if named:
        if not Path(named).is_file():
            raise StoreError(f"IVR_PG_DUMP: {named} does not exist")
        return named
    candidates = [shutil.which("pg_dump"), LIBRARY_BINARIES.format(major=major) + "/pg_dump"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and _major(candidate) == major:
            return candidate
    raise StoreError(
        f"no pg_dump of PostgreSQL {major} found (install postgresql-client-{major} or set "
        "IVR_PG_DUMP)"
    )


def _major(program: str) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 - a program path we looked up, no shell
            [program, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for word in out.split():
        head = word.split(".", 1)[0]
        if head.isdigit():
            return int(head)
    return None


async def pg_dump(url: str, target: Path, major: int) -> None:
    """Dump the database at ``url`` to ``target`` (custom format), beside it first."""
    program = find_pg_dump(major)
    partial_copy = target.with_name(target.name + ".partial")
    partial_copy.unlink(missing_ok=True)
    # the password goes in the environment, never on a command line others can read
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        user = f"{parts.username}@" if parts.username else ""
        url = urlunsplit(parts._replace(netloc=user + parts.netloc.rsplit("@", 1)[1]))
    process = await asyncio.create_subprocess_exec(
        program,
        "--format=custom",
        f"--file={partial_copy}",
        f"--dbname={url}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        partial_copy.unlink(missing_ok=True)
        detail = err.decode(errors="replace").strip().replace(url, masked(url))
        raise StoreError(f"pg_dump failed: {detail.splitlines()[-1] if detail else '?'}")
    os.replace(partial_copy, target)
