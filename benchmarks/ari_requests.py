"""Microseconds per ARI request: ``AriClient`` against bare aiohttp, same simulator.

    python benchmarks/ari_requests.py [--requests 3000]

Starts ``ivr simulate`` (its own process) and sends, one after the other on one
keep-alive connection, ``DELETE /ari/playbacks/{unknown}`` (404 ``Playback not
found``, the request of a barge-in that lost the race) and ``POST
/ari/channels/{unknown}/answer`` (404): through ``AriClient`` (the typed error
raised and caught) and through a bare ``aiohttp.ClientSession`` (status read, body
read). ``wall_us`` is the round trip seen by the client, ``cpu_us`` the client
process's CPU per request (what the service pays); ``overhead`` is client minus
bare. Run with ``PYTHONPATH=<an older checkout>`` to measure that checkout's
client. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import AUTH_HEADERS, PASSWORD, USER, Rig
from ivr.ari.errors import NotFound
from ivr.ari.http import AriClient
from ivr.clock import LoopClock
from ivr.logs import configure_logging


async def timed(send: Callable[[int], Awaitable[None]], count: int) -> dict[str, float]:
    for i in range(min(200, count)):
        await send(i)  # warm-up: connection, caches
    best_wall = best_cpu = float("inf")
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(count):
            await send(i)
        best_wall = min(best_wall, (time.perf_counter() - wall) / count * 1e6)
        best_cpu = min(best_cpu, (time.process_time() - cpu) / count * 1e6)
    return {"wall_us": round(best_wall, 1), "cpu_us": round(best_cpu, 1)}


async def run(count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as tmp:
        async with Rig(Path(tmp)) as rig:
            await rig.start_simulator()
            base = rig.sim_url
            unknown = [uuid.uuid4().hex for _ in range(count)]
            figures: dict[str, object] = {}
            async with (
                aiohttp.ClientSession(headers=AUTH_HEADERS) as bare,
                AriClient(base, USER, PASSWORD, clock=LoopClock()) as client,
            ):

                async def bare_stop(i: int) -> None:
                    async with bare.delete(f"{base}/ari/playbacks/{unknown[i]}") as response:
                        assert response.status == 404
                        await response.read()

                async def client_stop(i: int) -> None:
                    try:
                        await client.stop_playback(unknown[i])
                    except NotFound:
                        return
                    raise AssertionError("a stop of an unknown playback succeeded")

                async def bare_answer(i: int) -> None:
                    url = f"{base}/ari/channels/{unknown[i]}/answer"
                    async with bare.post(url) as response:
                        assert response.status == 404
                        await response.read()

                async def client_answer(i: int) -> None:
                    try:
                        await client.answer(unknown[i])
                    except NotFound:
                        return
                    raise AssertionError("an answer of an unknown channel succeeded")

                for name, bare_send, client_send in (
                    ("stop_playback_404", bare_stop, client_stop),
                    ("answer_404", bare_answer, client_answer),
                ):
                    b = await timed(bare_send, count)
                    c = await timed(client_send, count)
                    figures[name] = {
                        "bare": b,
                        "client": c,
                        "overhead_wall_us": round(c["wall_us"] - b["wall_us"], 1),
                        "overhead_cpu_us": round(c["cpu_us"] - b["cpu_us"], 1),
                    }
                    print(name, figures[name], flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    import ivr

    configure_logging("json", level=logging.INFO)

    figures = asyncio.run(run(args.requests))
    figures["ivr"] = str(Path(ivr.__file__).parent)
    figures["load_avg"] = os.getloadavg()[0]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
