from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest

from ivr.clock import VirtualClock
from ivr.simulator import Simulator

T = TypeVar("T")
PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
AUTH = {"Authorization": aiohttp.encode_basic_auth("asterisk", "asterisk")}


@dataclass
class Listener:
    """An app's event WebSocket, collecting what it receives."""

    socket: aiohttp.ClientWebSocketResponse
    events: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    close_code: int | None = None

    def types(self) -> list[str]:
        return [event["type"] for event in self.events]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["type"] == kind]


@dataclass
class Rig:
    clock: VirtualClock
    sim: Simulator
    base: str
    session: aiohttp.ClientSession

    async def ari(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        data: str | None = None,
        **params: Any,
    ) -> tuple[int, Any]:
        status, body, _ = await self.request(method, path, headers=headers, data=data, **params)
        return status, body

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        data: str | None = None,
        **params: Any,
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        query = {key: str(value) for key, value in params.items()}
        async with self.session.request(
            method,
            self.base + path,
            params=query,
            headers=AUTH if headers is None else headers,
            data=data,
        ) as response:
            text = await response.text()
            body = json.loads(text) if text and "json" in response.content_type else text or None
            return response.status, body, response

    async def listen(self, app: str = "optout") -> Listener:
        socket = await self.session.ws_connect(
            self.base.replace("http", "ws", 1) + "/ari/events", params={"app": app}, headers=AUTH
        )
        listener = Listener(socket)

        async def read() -> None:
            async for message in socket:
                if message.type is aiohttp.WSMsgType.TEXT:
                    listener.events.append(json.loads(message.data))
            listener.close_code = socket.close_code

        listener.task = asyncio.get_running_loop().create_task(read())
        await self.clock.run_until(lambda: self.sim.app_connected(app))
        return listener

    async def settle(self) -> None:
        await self.clock.settle()

    async def until(self, predicate: Callable[[], bool], limit: float = 3600.0) -> None:
        await self.clock.run_until(predicate, limit)

    async def run(self, awaitable: Awaitable[T]) -> T:
        task = asyncio.ensure_future(awaitable)
        await self.clock.run_until(task.done)
        return task.result()

    async def call(self, listener: Listener, **kwargs: Any) -> str:
        """A hand-off call, answered by the test's app; returns the channel id."""
        kwargs.setdefault("number", "0612345678")
        channel_id = await self.sim.place_call(**kwargs)
        await self.settle()
        return channel_id


@contextlib.asynccontextmanager
async def rig_for(sim_factory: Callable[[VirtualClock], Simulator]) -> AsyncIterator[Rig]:
    clock = VirtualClock()
    sim = sim_factory(clock)
    async with sim.serve() as base, aiohttp.ClientSession() as session:
        yield Rig(clock, sim, base, session)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with rig_for(lambda clock: Simulator(clock, prompts_dir=PROMPTS)) as made:
        yield made
