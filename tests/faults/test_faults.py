"""Faults on the wire and on disk: calls go on or end cleanly, nothing is recorded twice,
and no caller hears a confirmation of something that is not on disk."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from ivr.store.db import Db
from tests.calls.conftest import World, make_world
from tests.faults.flows import (
    FINAL,
    FULL,
    RVV,
    api_client,
    confirmed,
    get_json,
    one_row_per_kind,
)


def _routed(world: World, channel: str) -> bool:
    router = world.service.router
    assert router is not None
    return router.is_active(channel)


def assert_clean(world: World, channels: list[str]) -> None:
    for channel in channels:
        row = world.call_row(channel)
        assert row["outcome"] in FINAL, (channel, row["outcome"])
        assert one_row_per_kind(world, channel), channel
        recorded = {r["kind"] for r in world.optouts(channel)}
        assert confirmed(world, channel) <= recorded, channel


@pytest.mark.parametrize("close_frame", [True, False])
async def test_websocket_dropped_mid_call_resumes_or_ends_every_call_cleanly(
    world: World, close_frame: bool
) -> None:
    channels = [await world.call(FULL, number=f"0612345{i:03d}") for i in range(8)]
    first = channels[0]
    await world.until(lambda: "offer-register" in world.heard(first))
    late = [await world.call(FULL, number=f"0622345{i:03d}") for i in range(4)]
    await world.until(lambda: all("welcome" in world.heard(c) for c in late))

    world.sim.inject_fault({"drop_websocket": {"close_frame": close_frame}})
    await world.until(lambda: world.heard(first).count("welcome") >= 2, limit=60)
    after = await world.call(FULL, number="0632345678")
    await world.until_done()

    assert_clean(world, [*channels, *late, after])
    assert {r["kind"] for r in world.optouts(first)} >= {"recht_van_verzet"}
    assert {r["kind"] for r in world.optouts(after)} == {"recht_van_verzet", "bel_me_niet"}
    assert world.call_row(after)["outcome"] == "completed"
    for channel in [*channels, *late]:
        assert len(world.rows("SELECT id FROM calls WHERE channel_id = ?", channel)) == 1


async def test_simulator_restart_reconnects_within_five_seconds_and_serves_new_calls(
    world: World,
) -> None:
    before = await world.call(FULL)
    await world.until(lambda: "menu" in world.heard(before))
    world.sim.inject_fault({"restart": {}})
    restarted = world.clock.monotonic()
    await world.until(lambda: not world.sim.app_connected("optout"), limit=5)
    await world.until(lambda: world.sim.app_connected("optout"), limit=30)
    assert world.clock.monotonic() - restarted <= 5.0

    await world.until(lambda: not _routed(world, before), limit=60)
    assert world.call_row(before)["outcome"] == "lost"
    after = await world.call(RVV, number="0687654321")
    await world.until_done(after)
    assert world.call_row(after)["outcome"] == "completed"
    assert [r["kind"] for r in world.optouts(after)] == ["recht_van_verzet"]


REST_FAULTS: list[dict[str, Any]] = [
    {"path": "/ari/channels/*/play", "status": 500, "count": 1},
    {"path": "/ari/channels/*/play", "status": 503, "count": 3},
    {"path": "/ari/channels/*/play", "timeout": True, "count": 1},
    {"path": "/ari/channels/*/answer", "status": 500, "count": 1},
    {"path": "/ari/channels/*/answer", "status": 503, "count": 2},
    {"path": "/ari/channels/*/answer", "timeout": True, "count": 1},
    {"path": "/ari/playbacks/*", "method": "DELETE", "status": 500, "count": 1},
]


@pytest.mark.parametrize(
    "rest", REST_FAULTS, ids=lambda r: f"{r['path']}-{r.get('status', 'hang')}"
)
async def test_rest_failure_on_play_or_answer_never_hangs_a_call(
    world: World, rest: dict[str, Any]
) -> None:
    world.sim.inject_fault({"rest": rest})
    channel = await world.call(RVV)
    await world.until_done(channel, limit=900)
    row = world.call_row(channel)
    assert row["outcome"] in {"completed", "error"}, row["outcome"]
    assert one_row_per_kind(world, channel)
    assert confirmed(world, channel) <= {r["kind"] for r in world.optouts(channel)}
    if row["outcome"] == "error":
        assert world.events(channel, "error")
    # the service still serves the next caller
    after = await world.call(RVV, number="0687654321")
    await world.until_done(after, limit=900)
    assert world.call_row(after)["outcome"] == "completed"


Fault = tuple[Callable[[Db], Awaitable[None]], Callable[[Db], Awaitable[None]]]
"""How to break the writer's own connection, and how to heal it."""


async def _query_only(db: Db, on: bool) -> None:
    await db.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")


READ_ONLY: Fault = (partial(_query_only, on=True), partial(_query_only, on=False))
"""The database turned read-only under the running service (SQLITE_READONLY)."""


def _refuse_commit(action: int, arg1: str | None, *_: Any) -> int:
    if action == sqlite3.SQLITE_TRANSACTION and arg1 == "COMMIT":
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


async def _disk_full(db: Db) -> None:
    db._conn._conn.set_authorizer(_refuse_commit)


async def _disk_freed(db: Db) -> None:
    db._conn._conn.set_authorizer(None)


DISK_FULL: Fault = (_disk_full, _disk_freed)
"""A full disk: the WAL cannot grow, so every commit fails."""


@pytest.fixture
async def sqlite_world(tmp_path: Path) -> AsyncIterator[World]:
    """The service on SQLite: the faults above are SQLite's own (PostgreSQL's failed
    transactions are proven in tests/store/test_writer.py)."""
    async for w in make_world(tmp_path):
        yield w


@pytest.mark.parametrize("fault", [READ_ONLY, DISK_FULL], ids=["read-only", "disk-full"])
async def test_database_that_takes_no_writes_turns_readyz_red_and_callers_hear_cannot_register(
    sqlite_world: World, fault: Fault
) -> None:
    world = sqlite_world
    store = world.service.store
    assert store is not None
    db = store._writer.db
    assert isinstance(db, Db)
    async with api_client(world) as client:
        assert (await get_json(world, client, "/readyz"))[0] == 200
        breaks, heals = fault
        await breaks(db)
        with capture_logs() as logs:
            channel = await world.call(RVV)
            await world.until(lambda: world.sim.is_gone(channel), limit=900)
            await world.until(lambda: not _routed(world, channel), limit=900)
            status, body = await get_json(world, client, "/readyz")
        assert status == 503
        assert body["checks"]["database"] is False
        heard = world.heard(channel)
        assert "cannot-register" in heard
        assert "rvv-registered" not in heard
        assert any(entry["log_level"] == "error" for entry in logs), logs

        await heals(db)
        # red until an evidence write succeeds again (docs/design.md 14.7): the next call's
        after = await world.call(RVV, number="0687654321")
        await world.until_done(after)
        assert (await get_json(world, client, "/readyz"))[0] == 200
    assert [r["kind"] for r in world.optouts(after)] == ["recht_van_verzet"]
    assert world.rows("SELECT count(*) FROM optouts") == [(1,)]
