"""The real service against the simulated Asterisk, in one process, on the virtual clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ivr.clock import VirtualClock
from ivr.config import AdvertiserConfig, Settings
from ivr.flow.profile import load_profile
from ivr.prompts.offered import load_offered
from ivr.service import IvrService
from ivr.simulator import Simulator, Step
from tests import sql

REPO = Path(__file__).resolve().parents[2]
PROMPTS = REPO / "prompts"
APP = "optout"
ACME = ("advertiser=acme", "campaign=c1", "agent=a7", "script=v3")
CATEGORY_IDS = load_profile("nl-ctm2012").category_ids


MARKS = {name: max(found.marks.values()) for name, found in load_offered(PROMPTS, "nl").items()}
"""Per statement prompt, its last mark (ms): where a must-hear question starts to listen."""


def press(prompt: str, keys: str, after_ms: int = 500) -> Step:
    return Step(on_prompt=prompt, after_ms=after_ms, press=keys)


def answer(prompt: str, keys: str) -> Step:
    """Press ``keys`` once ``prompt`` has stated its question (past its mark, if it has one)."""
    return press(prompt, keys, MARKS.get(prompt, 200) + 300)


def hang_up_on(prompt: str, after_ms: int = 300) -> Step:
    return Step(on_prompt=prompt, after_ms=after_ms, hangup=True)


@dataclass
class World:
    clock: VirtualClock
    sim: Simulator
    service: IvrService
    db: str | Path
    settings: Settings
    channels: list[str] = field(default_factory=list)

    async def call(
        self,
        steps: Sequence[Step] = (),
        *,
        number: str | None = "0612345678",
        caller: str = "0612345678",
        args: Sequence[str] = ACME,
        variables: dict[str, str] | None = None,
    ) -> str:
        all_args = list(args) + ([f"number={number}"] if number else [])
        channel_id = await self.sim.place_call(
            app=APP,
            number=caller,
            name="Consument",
            args=all_args,
            variables=variables or {},
            steps=list(steps),
        )
        self.channels.append(channel_id)
        return channel_id

    def done(self, channel_id: str) -> bool:
        router = self.service.router
        assert router is not None
        return self.sim.is_gone(channel_id) and not router.is_active(channel_id)

    async def until_done(self, *channel_ids: str, limit: float = 3600) -> None:
        ids = channel_ids or tuple(self.channels)
        await self.clock.run_until(lambda: all(self.done(c) for c in ids), limit=limit)

    async def until(self, predicate: Callable[[], bool], limit: float = 600) -> None:
        await self.clock.run_until(predicate, limit=limit)

    def rows(self, text: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows as another program reads them (either backend; ``?`` placeholders)."""
        return sql.values(self.db, text, *params)

    def call_row(self, channel_id: str) -> dict[str, Any]:
        found = sql.rows(
            self.db, "SELECT * FROM calls WHERE channel_id = ? ORDER BY started_at DESC", channel_id
        )
        assert found, f"no call row for {channel_id}"
        return found[0]

    def optouts(self, channel_id: str) -> list[dict[str, Any]]:
        call_id = self.call_row(channel_id)["id"]
        return sql.rows(
            self.db, "SELECT * FROM optouts WHERE call_id = ? ORDER BY created_at", call_id
        )

    def events(self, channel_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        import json

        call_id = self.call_row(channel_id)["id"]
        sql = "SELECT kind, detail FROM call_events WHERE call_id = ?"
        params: list[Any] = [call_id]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        return [{"kind": k, **json.loads(d)} for k, d in self.rows(sql + " ORDER BY seq", *params)]

    def heard(self, channel_id: str) -> list[str]:
        """Prompt names in the order they started, as the caller heard them."""
        return [
            str(entry["media"]).rsplit("/nl/", 1)[-1]
            for entry in self.sim.transcript(channel_id)
            if entry["kind"] == "prompt"
        ]

    def transcript(self, channel_id: str, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.sim.transcript(channel_id) if e["kind"] == kind]

    def requests(self, method: str, path_part: str, channel_id: str | None = None) -> list[Any]:
        return [
            r
            for r in self.sim.requests
            if r.method == method
            and path_part in r.path
            and (channel_id is None or channel_id in r.path)
        ]


def make_settings(tmp_path: Path, ari_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ari_url": ari_url,
        "db": tmp_path / "ivr.sqlite3",
        "prompts_dir": PROMPTS,
        "advertisers": {
            "acme": AdvertiserConfig(name="Acme Energie", name_prompt="advertisers/acme")
        },
        "shutdown_grace_s": 30,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def world(tmp_path: Path, db_url: str) -> AsyncIterator[World]:
    """The service on each backend (SQLite and PostgreSQL)."""
    async for w in make_world(tmp_path, db=db_url):
        yield w


async def make_world(
    tmp_path: Path,
    *,
    channelvars: Sequence[str] = ("AMDSTATUS", "IVR_VOICEMAIL"),
    password: str = "asterisk",
    faults: Sequence[dict[str, Any]] = (),
    **overrides: Any,
) -> AsyncIterator[World]:
    """``faults`` are armed in the simulator before the service starts."""
    clock = VirtualClock()
    sim = Simulator(clock, prompts_dir=PROMPTS, channelvars=tuple(channelvars), password=password)
    for fault in faults:
        sim.inject_fault(fault)
    async with sim.serve("127.0.0.1", 0) as url:
        settings = make_settings(tmp_path, url, ari_password=password, **overrides)
        service = IvrService(settings, clock)
        await service.start()
        try:
            await clock.run_until(lambda: sim.app_connected(APP), limit=30)
            yield World(clock, sim, service, settings.db, settings)
        finally:
            stopping = asyncio.ensure_future(service.stop())
            await clock.run_until(stopping.done, limit=120)
            await stopping
