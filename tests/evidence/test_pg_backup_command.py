"""``ivr backup FILE`` on PostgreSQL: ``pg_dump -Fc`` of the server's version, verified
the way docs/design.md 14.26 says (restored, copied to SQLite, verified there); without a
pg_dump, or when it fails, one line that names no password."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.store.pg.dump import find_pg_dump
from tests import sql

from .conftest import SECRET, ivr, with_password


def _major(url: str) -> int:
    return int(sql.scalar(url, "SHOW server_version_num")) // 10000


def test_a_backup_restores_and_verifies_on_sqlite(
    full_list: Path,
    postgres_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    new_postgres_database: Callable[[], str],
) -> None:
    code, _, err = ivr(capsys, "db", "copy", "--from", str(full_list), "--to", postgres_url)
    assert code == 0, err
    dump = tmp_path / "ivr.dump"

    code, lines, err = ivr(capsys, "backup", str(dump), "--db", with_password(postgres_url))

    assert code == 0, err
    assert json.loads(lines[0]) == {"backup": str(dump)}
    assert SECRET not in "\n".join(lines) + err
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    restored = new_postgres_database()
    pg_restore = Path(find_pg_dump(_major(postgres_url))).with_name("pg_restore")
    subprocess.run(
        [str(pg_restore), "--no-owner", f"--dbname={restored}", str(dump)],
        check=True,
        capture_output=True,
    )
    on_sqlite = tmp_path / "verified.sqlite3"
    code, lines, err = ivr(capsys, "db", "copy", "--from", restored, "--to", str(on_sqlite))
    assert code == 0, err
    assert json.loads(lines[-1])["ok"]
    code, lines, err = ivr(capsys, "evidence", "verify", "--db", str(on_sqlite))
    assert code == 0, err
    summary = json.loads(lines[-1])
    assert summary["ok"] and summary["calls"] == sql.scalar(full_list, "SELECT COUNT(*) FROM calls")


def test_without_pg_dump_backup_is_one_line_and_exit_2(
    postgres_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("ivr.store.pg.dump.LIBRARY_BINARIES", str(tmp_path / "{major}"))
    monkeypatch.delenv("IVR_PG_DUMP", raising=False)

    code, lines, err = ivr(
        capsys, "backup", str(tmp_path / "x.dump"), "--db", with_password(postgres_url)
    )

    assert code == 2 and lines == []
    assert len([line for line in err.splitlines() if line.startswith("ivr:")]) == 1
    assert f"no pg_dump of PostgreSQL {_major(postgres_url)} found" in err
    assert "postgresql://***@" in err and SECRET not in err
    assert not (tmp_path / "x.dump").exists()


def test_a_failing_pg_dump_is_reported_without_the_password(
    postgres_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = tmp_path / "pg_dump"
    broken.write_text('#!/bin/sh\necho "pg_dump: error: cannot dump $*" >&2\nexit 1\n')
    broken.chmod(0o755)
    monkeypatch.setenv("IVR_PG_DUMP", str(broken))

    code, lines, err = ivr(
        capsys, "backup", str(tmp_path / "x.dump"), "--db", with_password(postgres_url)
    )

    assert code == 2 and lines == []
    assert "pg_dump failed: pg_dump: error: cannot dump" in err
    assert "postgresql://***@" in err and SECRET not in err
    assert not (tmp_path / "x.dump").exists() and not (tmp_path / "x.dump.partial").exists()
