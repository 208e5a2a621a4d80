"""Service down: ``Stasis()`` fails and the shipped dialplan's fall-back takes the caller
(``handoff-fallback``, the agents' queue, ``goodbye``, hang-up), never voicemail."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ivr.clock import VirtualClock
from ivr.service import IvrService
from ivr.simulator import AppNotConnected, Simulator
from tests.calls.conftest import ACME, APP, PROMPTS, make_settings


@dataclass
class ServiceDown:
    clock: VirtualClock
    sim: Simulator
    db: str

    async def hand_off(self, variables: dict[str, str] | None = None) -> str:
        """A hand-off whose Stasis() fails; the channel that went to the fall-back."""
        with pytest.raises(AppNotConnected) as failed:
            await self.sim.place_call(
                app=APP,
                number="0612345678",
                args=[*ACME, "number=0612345678"],
                variables=variables or {},
            )
        channel_id = failed.value.channel_id
        assert channel_id is not None
        await self.clock.run_until(lambda: self.sim.is_gone(channel_id), limit=600)
        return channel_id

    def steps(self, channel_id: str) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        for entry in self.sim.transcript(channel_id):
            if entry["kind"] == "prompt":
                found.append(("prompt", entry["media"], entry["status"]))
            elif entry["kind"] == "queue":
                found.append(("queue", entry["queue"], entry["result"], entry["waited_ms"]))
            else:
                found.append((entry["kind"], entry.get("by")))
        return found


async def service_down(tmp_path: Path, queue_agents: int) -> AsyncIterator[ServiceDown]:
    clock = VirtualClock()
    sim = Simulator(clock, prompts_dir=PROMPTS, queue_agents=queue_agents)
    async with sim.serve("127.0.0.1", 0) as url:
        settings = make_settings(tmp_path, url)
        service = IvrService(settings, clock)
        await service.start()
        await clock.run_until(lambda: sim.app_connected(APP), limit=30)
        stopping = asyncio.ensure_future(service.stop())
        await clock.run_until(stopping.done, limit=120)
        await stopping
        await clock.run_until(lambda: not sim.app_connected(APP), limit=30)
        yield ServiceDown(clock, sim, settings.db)


@pytest.fixture
async def no_agent(tmp_path: Path) -> AsyncIterator[ServiceDown]:
    async for down in service_down(tmp_path, queue_agents=0):
        yield down


@pytest.fixture
async def agents_not_answering(tmp_path: Path) -> AsyncIterator[ServiceDown]:
    async for down in service_down(tmp_path, queue_agents=2):
        yield down


async def test_no_agent_logged_in_queue_returns_at_once_then_goodbye(no_agent: ServiceDown) -> None:
    channel_id = await no_agent.hand_off()
    assert no_agent.steps(channel_id) == [
        ("prompt", "sound:ivr/nl/handoff-fallback", "finished"),
        ("queue", "agents", "JOINEMPTY", 0),
        ("prompt", "sound:ivr/nl/goodbye", "finished"),
        ("hangup", "dialplan"),
    ]


async def test_agents_who_do_not_answer_hold_the_caller_for_the_queue_time_out_then_goodbye(
    agents_not_answering: ServiceDown,
) -> None:
    channel_id = await agents_not_answering.hand_off()
    assert agents_not_answering.steps(channel_id) == [
        ("prompt", "sound:ivr/nl/handoff-fallback", "finished"),
        ("queue", "agents", "TIMEOUT", 120_000),
        ("prompt", "sound:ivr/nl/goodbye", "finished"),
        ("hangup", "dialplan"),
    ]
    transcript = agents_not_answering.sim.transcript(channel_id)
    assert transcript[-1]["t_ms"] - transcript[1]["t_ms"] >= 120_000


async def test_the_queue_time_out_follows_ivr_fallback_queue_s(
    agents_not_answering: ServiceDown,
) -> None:
    channel_id = await agents_not_answering.hand_off({"IVR_FALLBACK_QUEUE_S": "30"})
    queued = [e for e in agents_not_answering.sim.transcript(channel_id) if e["kind"] == "queue"]
    assert [(e["result"], e["waited_ms"]) for e in queued] == [("TIMEOUT", 30_000)]


async def test_the_fall_back_is_recorded_nowhere_by_the_service(no_agent: ServiceDown) -> None:
    channel_id = await no_agent.hand_off()
    with sqlite3.connect(no_agent.db) as conn:
        rows = conn.execute("SELECT count(*) FROM calls WHERE channel_id = ?", (channel_id,))
        assert rows.fetchone() == (0,)
    assert not any(e["kind"] == "voicemail" for e in no_agent.sim.transcript(channel_id))
