"""A REST request Asterisk never answers fails after the time-out, on the service's clock."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from ivr.ari.errors import AriUnavailable
from ivr.ari.http import AriClient
from ivr.clock import LoopClock, VirtualClock


async def test_unanswered_request_fails_after_the_timeout_on_the_virtual_clock() -> None:
    async def never(_request: web.Request) -> web.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", never)
    clock = VirtualClock()
    async with TestServer(app) as server:
        ari = AriClient(str(server.make_url("")), "u", "p", request_timeout=10, clock=clock)
        try:
            started = clock.monotonic()
            task = asyncio.ensure_future(ari.answer("c1"))
            await clock.run_until(task.done, limit=60)
            with pytest.raises(AriUnavailable):
                task.result()
            assert 10 <= clock.monotonic() - started < 11
        finally:
            await ari.close()


async def test_loop_clock_wait_for_times_out_and_cancels_what_it_waited_for() -> None:
    waited = asyncio.ensure_future(asyncio.Event().wait())
    with pytest.raises(TimeoutError):
        await LoopClock().wait_for(waited, 0)
    await asyncio.sleep(0)
    assert waited.cancelled()
    assert await LoopClock().wait_for(asyncio.sleep(0, "done"), 5) == "done"
