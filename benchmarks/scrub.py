"""Scrub and look-up figures of the HTTP API, and memory that stays flat.

In a temp dir: a database with N opt-outs (default 1,000,000) and an N-line
call file (half its numbers suppressed, in mixed forms: 06…, +316…, 0031 6…,
with spaces and dashes). ``ivr api`` runs as a subprocess on loopback; the
script scrubs the file through ``POST /v1/scrub``, times 1,000 sequential
``GET /v1/suppressions/{number}``, and, for every size in ``--sizes``, runs
export and scrub each against a fresh server and reads that server's peak RSS
(``VmHWM``, Linux). The last line is one JSON object with every figure.

    .venv/bin/python benchmarks/scrub.py [--rows 1000000] [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import free_port, peak_rss_mb
from ivr.clock import LoopClock
from ivr.domain import OptOutKind, OptOutRequest, OptOutSource
from ivr.store import Store

ADVERTISER = "acme"
LOOKUPS = 1000


def mobile(n: int) -> str:
    return f"+3161{n:07d}"


def dutch_form(e164: str, pick: int) -> str:
    digits = e164[3:]
    return [
        "0" + digits,
        e164,
        "0031 " + digits[0] + " " + digits[1:],
        "06-" + digits[1:],
        "+31 6 " + digits[1:5] + " " + digits[5:],
    ][pick % 5]


def optout_requests(count: int) -> Iterator[OptOutRequest]:
    for n in range(count):
        kind = OptOutKind.BEL_ME_NIET if n % 4 == 0 else OptOutKind.RECHT_VAN_VERZET
        yield OptOutRequest(
            number=mobile(n * 2),
            advertiser=ADVERTISER if n % 3 else "globex",
            kind=kind,
            source=OptOutSource.IMPORT,
            created_by="import:benchmark.csv",
            scope="all" if kind is OptOutKind.BEL_ME_NIET else None,
            charities=False if kind is OptOutKind.BEL_ME_NIET else None,
        )


async def build_database(path: Path, count: int) -> float:
    started = time.perf_counter()
    store = await Store.open(path, LoopClock())
    try:
        await store.import_optouts(optout_requests(count))
    finally:
        await store.close()
    return time.perf_counter() - started


def write_call_file(path: Path, lines: int, seed: int = 7) -> None:
    """Every other line hits a stored number (even n); the rest are clean (odd n)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("klant_id;naam;telefoonnummer;plaats\r\n")
        for i in range(lines):
            n = rng.randrange(lines) * 2 + (i % 2)
            out.write(f"{i};Klant {i};{dutch_form(mobile(n), i)};Utrecht\r\n")


@asynccontextmanager
async def api_server(db: Path, workdir: Path) -> AsyncIterator[tuple[str, int]]:
    port = free_port()
    config = workdir / "ivr.toml"
    config.write_text(f'[advertisers.{ADVERTISER}]\nname = "Acme"\n')
    env = {
        **os.environ,
        "IVR_CONFIG": str(config),
        "IVR_DB": str(db),
        "IVR_HTTP_PORT": str(port),
        "IVR_HTTP_HOST": "127.0.0.1",
        "IVR_API_TOKENS": "",
        "IVR_MAX_UPLOAD_MB": "1024",
    }
    command = [sys.executable, "-c", "import sys; from ivr.cli import main; sys.exit(main())"]
    with (workdir / f"api-{port}.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: ASYNC220 (started once, before any traffic)
            [*command, "api", "--log-format", "json"], env=env, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as session:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        async with session.get(f"{base}/healthz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"ivr api did not start; see {log.name}")
                    await asyncio.sleep(0.05)
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


async def scrub(base: str, call_file: Path) -> tuple[float, int, int]:
    """Seconds, lines back, bytes back."""
    timeout = aiohttp.ClientTimeout(total=None)
    started = time.perf_counter()
    lines = size = 0
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with call_file.open("rb") as body:
            async with session.post(
                f"{base}/v1/scrub?advertiser={ADVERTISER}",
                data=body,
                headers={"Content-Type": "text/csv"},
            ) as response:
                if response.status != 200:
                    raise RuntimeError(f"scrub: {response.status} {await response.text()}")
                async for chunk in response.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    lines += chunk.count(b"\n")
    return time.perf_counter() - started, lines, size


async def export(base: str) -> tuple[float, int]:
    timeout = aiohttp.ClientTimeout(total=None)
    started = time.perf_counter()
    lines = 0
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"{base}/v1/optouts?format=csv") as response,
    ):
        async for chunk in response.content.iter_chunked(1 << 16):
            lines += chunk.count(b"\n")
    return time.perf_counter() - started, lines - 1


async def lookups(base: str, count: int) -> dict[str, float]:
    rng = random.Random(11)
    timings: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            number = dutch_form(mobile(rng.randrange(2_000_000)), 0)
            started = time.perf_counter()
            async with session.get(
                f"{base}/v1/suppressions/{number}?advertiser={ADVERTISER}"
            ) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"look-up: {response.status}")
            timings.append(time.perf_counter() - started)
    cuts = statistics.quantiles(timings, n=100)
    return {"p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000}


async def main(rows: int, sizes: list[int]) -> dict[str, Any]:
    figures: dict[str, Any] = {"rows": rows, "optouts": rows}
    with tempfile.TemporaryDirectory(prefix="ivr-bench-scrub-") as tmp:
        workdir = Path(tmp)
        databases: dict[int, Path] = {}
        files: dict[int, Path] = {}
        for size in sorted({rows, *sizes}):
            databases[size] = workdir / f"optouts-{size}.sqlite3"
            seconds = await build_database(databases[size], size)
            files[size] = workdir / f"calls-{size}.csv"
            write_call_file(files[size], size)
            print(f"built {size:,} opt-outs in {seconds:.1f} s; call file of {size:,} lines")
            if size == rows:
                figures["build_db_s"] = round(seconds, 1)
        figures["call_file_mb"] = round(files[rows].stat().st_size / 2**20, 1)

        async with api_server(databases[rows], workdir) as (base, pid):
            seconds, lines, size = await scrub(base, files[rows])
            figures["scrub_s"] = round(seconds, 2)
            figures["scrub_rows_per_s"] = round(rows / seconds)
            figures["scrub_rows_kept"] = lines - 1
            figures["scrub_server_peak_rss_mb"] = round(peak_rss_mb(pid), 1)
            print(
                f"scrub {rows:,} lines against {rows:,} opt-outs: {seconds:.1f} s, "
                f"{rows / seconds:,.0f} rows/s, {lines - 1:,} rows kept, "
                f"server peak RSS {figures['scrub_server_peak_rss_mb']} MB"
            )
            timings = await lookups(base, LOOKUPS)
            figures["lookup_p50_ms"] = round(timings["p50_ms"], 2)
            figures["lookup_p99_ms"] = round(timings["p99_ms"], 2)
            print(
                f"{LOOKUPS} sequential look-ups: p50 {timings['p50_ms']:.2f} ms, "
                f"p99 {timings['p99_ms']:.2f} ms"
            )

        memory: dict[str, dict[str, float]] = {"export": {}, "scrub": {}}
        for size in sizes:
            async with api_server(databases[size], workdir) as (base, pid):
                idle = peak_rss_mb(pid)
                seconds, exported = await export(base)
                memory["export"][str(size)] = round(peak_rss_mb(pid), 1)
            async with api_server(databases[size], workdir) as (base, pid):
                await scrub(base, files[size])
                memory["scrub"][str(size)] = round(peak_rss_mb(pid), 1)
            print(
                f"{size:>9,} rows: idle {idle:.1f} MB, export peak "
                f"{memory['export'][str(size)]} MB ({exported:,} rows in {seconds:.1f} s), "
                f"scrub peak {memory['scrub'][str(size)]} MB"
            )
        figures["peak_rss_mb_by_rows"] = memory
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    options = parser.parse_args()
    sizes = [int(part) for part in options.sizes.split(",") if part]
    print(json.dumps(asyncio.run(main(options.rows, sizes))))
