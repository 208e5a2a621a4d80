"""The same history gives the same hashes, byte for byte, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path
from typing import Any

import pytest

from ivr.clock import VirtualClock
from ivr.domain import CallEventKind, OptOutKind, OptOutSource, Outcome
from ivr.store import Store
from tests import sql

from .conftest import agent_request, ivr_request, new_call


async def write_history(where: str | Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = (str(uuid.UUID(int=n)) for n in itertools.count(1))
    monkeypatch.setattr("ivr.store.store.TimeOrderedIds", lambda: ids.__next__)
    clock = VirtualClock()
    store = await Store.open(where, clock)
    try:
        call = new_call(clock, id="call-1", channel_id="chan-1", extra={"wie": "één"})
        await store.start_call(call)
        await store.add_event(call.id, CallEventKind.PROMPT_STARTED, {"media": ["welkom"]})
        await clock.advance(1.25)
        await store.add_event(call.id, CallEventKind.DIGIT, {"digit": "1", "naam": "één ✓"})
        await store.record_optout(ivr_request(call.id))
        await store.record_optout(ivr_request(call.id, OptOutKind.BEL_ME_NIET, charities=False))
        await store.seal_call(
            call.id, outcome=Outcome.COMPLETED, rights={"recht_van_verzet": "chosen"}
        )
        await clock.advance(0.000001)
        manual = await store.record_optout(agent_request(scope=None))
        await store.revoke(manual.id, "gevraagd", "consument", "agent:007", OptOutSource.AGENT)
    finally:
        await store.close()


def hashes(where: str | Path) -> dict[str, Any]:
    return {
        "events": sql.values(where, "SELECT seq, at, detail, hash FROM call_events ORDER BY seq"),
        "calls": sql.values(where, "SELECT id, ended_at, evidence_head, seal_seq FROM calls"),
        "optouts": sql.values(
            where, "SELECT id, created_at, hash, chain_seq FROM optouts ORDER BY chain_seq"
        ),
        "heads": sql.values(where, "SELECT name, seq, hash FROM chain_heads ORDER BY name"),
    }


async def test_one_history_has_the_same_hashes_on_both_backends(
    db_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await write_history(db_path, monkeypatch)
    await write_history(postgres_url, monkeypatch)

    on_sqlite, on_postgres = hashes(db_path), hashes(postgres_url)
    assert len(on_sqlite["events"]) == 3 and len(on_sqlite["optouts"]) == 4
    assert on_sqlite["calls"][0][2] is not None
    assert on_postgres == on_sqlite
