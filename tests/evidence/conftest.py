"""A database written by real calls: ``ivr demo`` (the simulated Asterisk, the real
service, scripted callers) runs once per session; each test tampers with a copy."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ivr.cli import main
from ivr.clock import LoopClock
from ivr.domain import ConsentChannel, ConsentRequest
from ivr.store import Store
from ivr.store.db_copy import TABLES
from tests import sql

TRAIL_TABLES = (
    "calls", "call_events", "optouts", "chain_heads", "evidence_checkpoints", "purged_calls",
    "consents",
)  # fmt: skip


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite3"
    env = {**os.environ, "IVR_CONFIG": str(folder / "none.toml")}
    env.pop("IVR_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "ivr.cli", "demo", "--db", str(path), "--speed", "20"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM calls WHERE ended_at IS NOT NULL").fetchone()[0]
    return path


@pytest.fixture
def copy(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo's database, with IVR_DB pointing at it."""
    target = tmp_path / "copy.sqlite3"
    with sqlite3.connect(demo_db) as source, sqlite3.connect(target) as into:
        source.backup(into)
    config = tmp_path / "ivr.toml"
    config.write_text('[advertisers.acme]\nname = "Acme"\n', encoding="utf-8")
    monkeypatch.setenv("IVR_CONFIG", str(config))
    monkeypatch.setenv("IVR_DB", str(target))
    return target


def tamper(path: Path, *statements: str, params: tuple[Any, ...] = ()) -> None:
    """What someone holding the file can do: drop the triggers, change rows."""
    with sqlite3.connect(path) as conn:
        triggers = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN"
            f" ({', '.join('?' for _ in TRAIL_TABLES)})",
            TRAIL_TABLES,
        ).fetchall()
        for (name,) in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        for statement in statements:
            conn.execute(statement, params if "?" in statement else ())


def rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, [json.loads(line) for line in out.splitlines()]


def verify(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    """Exit code, findings and the summary of ``ivr evidence verify``."""
    code, lines = run(capsys, "evidence", "verify", *argv)
    return code, lines[:-1], lines[-1]


def mismatches(findings: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    kinds = {"altered", "missing", "inserted", "reordered"}
    return {(f["kind"], f["table"], f["id"]) for f in findings if f["kind"] in kinds}


SECRET = "s3cr3t-pw"


@pytest.fixture
def full_list(copy: Path) -> Path:
    """The demo's calls plus a row in every other table: consents, a withdrawal, an
    idempotency key, a kept scrub result, purged calls and a checkpoint after them."""
    asyncio.run(_fill(copy))
    for table in (t.name for t in TABLES):
        assert sql.scalar(copy, f"SELECT COUNT(*) FROM {table}") or table == "evidence_legacy"
    return copy


async def _fill(path: Path) -> None:
    clock = LoopClock()
    store = await Store.open(path, clock)
    try:
        consent = await store.record_consent(
            ConsentRequest(
                number="+31612345678",
                advertiser="acme",
                scope="all",
                channel=ConsentChannel.WEB,
                obtained_at=clock.now() - timedelta(days=3),
                created_by="api:crm",
                proof_ref="form-1",
            )
        )
        await store.withdraw_consent(consent.id, "asked by phone", "consumer", "agent:7")
        await store.claim_idempotency_key("crm", "key-1", "a" * 64)
        await store.complete_idempotency_key("crm", "key-1", 201, '{"id":"x"}')
        await store.put_scrub_result("crm", "acme", "calls.csv", b"number\n\xff\x00", "{}")
        assert await store.purge_evidence(clock.now() + timedelta(days=1)) > 0
        await store.write_checkpoint()
    finally:
        await store.close()


def ivr(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def with_password(url: str) -> str:
    """The same database, reached with user info in the URL (the test server trusts)."""
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@")
