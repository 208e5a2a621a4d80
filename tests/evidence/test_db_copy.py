"""``ivr db copy`` moves a list written by real calls (the demo through the simulated
Asterisk) from SQLite into PostgreSQL and back, byte for byte, and verifies it;
``ivr db migrate`` applies what a database lacks."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ivr.clock import LoopClock
from ivr.domain import CallStart, Outcome
from ivr.store import Store
from ivr.store.db_copy import NOT_COPIED, TABLES
from tests import sql

from .conftest import SECRET, ivr, tamper, with_password

COPIED = tuple(table.name for table in TABLES)


def table_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute(f"SELECT * FROM {table}"), key=repr)


async def _add_call_with_extra(path: Path) -> None:
    """A sealed call whose ``extra`` PostgreSQL's jsonb writes in another form (shorter keys
    first): the copy must compare it as JSON and write it back as the store does."""
    clock = LoopClock()
    store = await Store.open(path, clock)
    try:
        call = CallStart(
            id="call-with-extra",
            channel_id="chan-extra",
            advertiser="acme",
            started_at=clock.now(),
            profile="nl-ctm2012",
            extra={"ab": "1", "b": "é"},
        )
        await store.start_call(call)
        await store.seal_call(call.id, outcome=Outcome.COMPLETED, rights={})
    finally:
        await store.close()


def test_a_list_goes_into_postgresql_and_back_byte_for_byte(
    full_list: Path, postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_add_call_with_extra(full_list))
    code, lines, err = ivr(
        capsys, "db", "copy", "--from", f"sqlite:{full_list}", "--to", with_password(postgres_url)
    )
    assert code == 0, err
    tables = [json.loads(line) for line in lines[:-1]]
    summary = json.loads(lines[-1])
    assert [t["table"] for t in tables] == list(COPIED)
    assert all(t["same"] and t["source_rows"] == t["target_rows"] for t in tables)
    assert summary["ok"] and summary["verify"]["ok"] and summary["verify"]["consents"] == 2
    assert SECRET not in "\n".join(lines) + err
    for table in COPIED:
        assert sql.scalar(postgres_url, f"SELECT COUNT(*) FROM {table}") == sql.scalar(
            full_list, f"SELECT COUNT(*) FROM {table}"
        )
    hashes = "SELECT hash FROM call_events ORDER BY call_id, seq"
    assert sql.values(postgres_url, hashes) == sql.values(full_list, hashes)

    back = tmp_path / "back.sqlite3"
    code, lines, err = ivr(capsys, "db", "copy", "--from", postgres_url, "--to", f"sqlite:{back}")
    assert code == 0, err
    assert json.loads(lines[-1])["ok"]
    for table in COPIED:
        assert table_rows(back, table) == table_rows(full_list, table), table

    code, lines, err = ivr(capsys, "evidence", "verify", "--db", str(back))
    assert code == 0, err
    assert json.loads(lines[-1])["ok"]


def test_a_target_that_holds_rows_is_refused(
    full_list: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = ivr(capsys, "db", "copy", "--from", f"sqlite:{full_list}", "--to", postgres_url)
    assert code == 0, err
    calls = sql.scalar(postgres_url, "SELECT COUNT(*) FROM calls")

    code, lines, err = ivr(
        capsys, "db", "copy", "--from", f"sqlite:{full_list}", "--to", with_password(postgres_url)
    )

    assert code == 2 and lines == []
    assert "is not empty (calls: " in err and SECRET not in err
    assert sql.scalar(postgres_url, "SELECT COUNT(*) FROM calls") == calls


def test_a_tampered_list_is_copied_and_reported(
    full_list: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_id = sql.scalar(full_list, "SELECT call_id FROM call_events ORDER BY call_id LIMIT 1")
    tamper(
        full_list,
        "UPDATE call_events SET detail = '{}' WHERE call_id = ? AND seq = 1",
        params=(call_id,),
    )
    target = tmp_path / "copy-of-tampered.sqlite3"

    code, lines, _ = ivr(capsys, "db", "copy", "--from", str(full_list), "--to", str(target))

    assert code == 1
    findings = [json.loads(line) for line in lines if '"kind"' in line]
    assert {(f["kind"], f["table"], f["id"]) for f in findings} == {
        ("altered", "call_events", f"{call_id}:1")
    }
    assert json.loads(lines[-1])["tables_same"] and not json.loads(lines[-1])["ok"]


def test_every_table_of_both_schemas_is_copied_or_named_as_not(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    for db in (str(fresh), postgres_url):
        code, _, err = ivr(capsys, "db", "migrate", "--db", db)
        assert code == 0, err
    in_sqlite = {
        row[0] for row in sql.values(fresh, "SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    in_postgres = {
        row[0]
        for row in sql.values(
            postgres_url,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
    }
    assert in_sqlite - set(NOT_COPIED) == set(COPIED)
    assert in_postgres - set(NOT_COPIED) == set(COPIED)


def test_migrate_applies_what_is_missing_once(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for db in (f"sqlite:{tmp_path / 'new.sqlite3'}", with_password(postgres_url)):
        code, lines, err = ivr(capsys, "db", "migrate", "--db", db)
        assert code == 0, err
        first = json.loads(lines[0])
        assert first["applied"][0] == "0001_initial"
        assert first["version"] == len(first["applied"])
        assert SECRET not in lines[0] + err

        code, lines, err = ivr(capsys, "db", "migrate", "--db", db)
        assert code == 0, err
        assert json.loads(lines[0])["applied"] == []
        assert json.loads(lines[0])["version"] == first["version"]
