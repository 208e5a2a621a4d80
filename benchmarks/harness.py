"""Run ``ivr simulate`` and ``ivr serve`` as processes on loopback and talk to both.

Shared by ``benchmarks/calls.py``, ``benchmarks/crash.py`` and the process-level
fault tests.  Every wait polls a condition up to a deadline; nothing sleeps for
time to pass.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp
import asyncpg

from ivr.ari.http import basic_authorization
from ivr.ports import free_port
from ivr.store.location import PostgresLocation, parse_location
from ivr.store.pg.db import numbered, prepare_connection

REPO = Path(__file__).resolve().parents[1]
PROMPTS = REPO / "prompts"
USER = "asterisk"
PASSWORD = "asterisk"
APP = "optout"
AUTH_HEADERS = {"Authorization": basic_authorization(USER, PASSWORD)}
CLK_TCK = os.sysconf("SC_CLK_TCK")
ADVERTISERS = json.dumps({"acme": {"name": "Acme Energie", "name_prompt": "advertisers/acme"}})


def ivr_command() -> list[str]:
    """The ``ivr`` console script beside this Python, else the same entry point by module."""
    script = Path(sys.executable).with_name("ivr")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "ivr.cli"]


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory (``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """A process's CPU seconds so far, user + system (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


async def wait_until(
    check: Callable[[], Awaitable[bool]], deadline_s: float, what: str, poll_s: float = 0.05
) -> None:
    """Poll ``check`` until it holds; TimeoutError naming ``what`` after ``deadline_s``."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            if await check():
                return
        except (TimeoutError, aiohttp.ClientError, OSError):
            pass
        if time.monotonic() > end:
            raise TimeoutError(f"{what}: not within {deadline_s:.0f} s")
        await asyncio.sleep(poll_s)


@dataclass
class Proc:
    """One child process, its log file and its /proc figures."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    cwd: Path
    popen: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as a crash."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            assert self.popen is not None
            self.popen.wait(timeout=30)

    def stop(self, grace_s: float = 20) -> int | None:
        """SIGTERM, then SIGKILL after ``grace_s``; the exit code."""
        if self.popen is None:
            return None
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.popen.returncode

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)


@dataclass
class Rig:
    """A simulator and a service, both real processes, sharing a temp directory."""

    workdir: Path
    speed: float = 20
    sim_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    sim_options: list[str] = field(default_factory=list)
    """More ``ivr simulate`` options (e.g. ``--entity-id``)."""
    db_url: str | None = None
    """``IVR_DB`` (a ``postgresql://`` URL); default a SQLite file in ``workdir``."""
    sim: Proc | None = None
    service: Proc | None = None
    session: aiohttp.ClientSession | None = None
    service_starts: int = 0

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def db(self) -> str:
        return self.db_url or str(self.workdir / "ivr.sqlite3")

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
        env.update(
            {
                "IVR_ARI_URL": self.sim_url,
                "IVR_ARI_USER": USER,
                "IVR_ARI_PASSWORD": PASSWORD,
                "IVR_DB": str(self.db),
                "IVR_HTTP_HOST": "127.0.0.1",
                "IVR_HTTP_PORT": str(self.http_port),
                "IVR_LOG_FORMAT": "json",
                "IVR_PROMPTS_DIR": str(PROMPTS),
                "IVR_SHUTDOWN_GRACE_S": "1",
                "IVR_ADVERTISERS": ADVERTISERS,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    async def __aenter__(self) -> Rig:
        self.session = aiohttp.ClientSession(
            headers=AUTH_HEADERS,
            connector=aiohttp.TCPConnector(limit=200),
            timeout=aiohttp.ClientTimeout(total=60),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.service is not None:
            self.service.stop()
        if self.sim is not None:
            self.sim.stop()
        if self.session is not None:
            await self.session.close()

    # -- processes

    async def start_simulator(self) -> None:
        argv = [
            *ivr_command(),
            "simulate",
            "--port",
            str(self.sim_port),
            "--speed",
            str(self.speed),
            "--prompts",
            str(PROMPTS),
            "--log-format",
            "json",
            *self.sim_options,
        ]
        self.sim = Proc(
            "simulator", argv, self._env(), self.workdir / "simulator.log", self.workdir
        )
        self.sim.start()
        await wait_until(self._sim_up, 60, "the simulator answering")

    async def start_service(self, *, wait_ready: bool = True) -> None:
        argv = [*ivr_command(), "serve"]
        self.service_starts += 1
        self.service = Proc(
            "service", argv, self._env(), self.workdir / "service.log", self.workdir
        )
        self.service.start()
        if wait_ready:
            await self.wait_ready()

    async def wait_ready(self, deadline_s: float = 60) -> None:
        await wait_until(self.ready, deadline_s, "the service's /readyz")
        await wait_until(self.app_connected, deadline_s, "the service's app on the simulator")

    async def _sim_up(self) -> bool:
        status, _ = await self.sim_get("/ari/asterisk/info")
        return status == 200

    async def ready(self) -> bool:
        assert self.session is not None
        async with self.session.get(self.api_url + "/readyz") as response:
            return response.status == 200

    async def readyz_status(self) -> int:
        assert self.session is not None
        async with self.session.get(self.api_url + "/readyz") as response:
            return response.status

    async def app_connected(self) -> bool:
        status, _ = await self.sim_get(f"/ari/applications/{APP}")
        return status == 200

    # -- the simulator's control API

    async def sim_get(self, path: str, params: Any = None) -> tuple[int, Any]:
        assert self.session is not None
        async with self.session.get(self.sim_url + path, params=params) as response:
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    async def sim_post(self, path: str, body: Any = None) -> tuple[int, Any]:
        assert self.session is not None
        async with self.session.post(self.sim_url + path, json=body) as response:
            data = await response.json() if response.content_type == "application/json" else None
            return response.status, data

    async def place(self, steps: Sequence[dict[str, Any]], number: str = "0612345678") -> str:
        status, data = await self.sim_post("/_sim/calls", caller(steps, number))
        if status != 201:
            raise RuntimeError(f"POST /_sim/calls: {status} {data}")
        return str(data["channel_id"])

    async def place_burst(self, count: int, steps: Sequence[dict[str, Any]]) -> list[str]:
        """``count`` hand-offs placed by the simulator in one go (``?count=``)."""
        assert self.session is not None
        url = f"{self.sim_url}/_sim/calls?count={count}"
        async with self.session.post(url, json=caller(steps, "0612345678")) as response:
            data = await response.json()
            if response.status != 201:
                raise RuntimeError(f"POST /_sim/calls?count: {response.status} {data}")
        return [str(channel_id) for channel_id in data["channel_ids"]]

    async def events(self, *types: str, since: float = 0) -> list[dict[str, Any]]:
        query = [("type", kind) for kind in types] + [("since", repr(since))]
        _, body = await self.sim_get("/_sim/events", query)
        return list(body)

    async def requests(self) -> list[dict[str, Any]]:
        _, body = await self.sim_get("/_sim/requests")
        return list(body)

    async def transcript(self, channel_id: str) -> list[dict[str, Any]]:
        _, body = await self.sim_get(f"/_sim/channels/{channel_id}/transcript")
        return list(body or [])

    async def ended(self) -> set[str]:
        """Channels that have left the app (``StasisEnd`` sent)."""
        return {e["channel_id"] for e in await self.events("StasisEnd")}

    # -- the database, read beside the running service

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return [tuple(row.values()) for row in self.dict_rows(sql, *params)]

    def dict_rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Rows by column name, read beside the service on either backend."""
        location = parse_location(self.db)
        if isinstance(location, PostgresLocation):
            return peek_postgres(location.url, sql, params)
        conn = sqlite3.connect(f"file:{location.path}?mode=ro", uri=True, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in conn.execute(sql, params)]
        finally:
            conn.close()


def peek_postgres(url: str, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Rows of one query on PostgreSQL (``?`` placeholders), from a thread of its own so that
    it works inside a running event loop."""

    async def fetch() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(url, server_settings={"TimeZone": "UTC"})
        try:
            await prepare_connection(conn)
            return [dict(row) for row in await conn.fetch(numbered(sql), *params)]
        finally:
            await conn.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetch()).result()


def caller(steps: Sequence[dict[str, Any]], number: str) -> dict[str, Any]:
    return {
        "app": APP,
        "number": number,
        "name": "Consument",
        "args": ["advertiser=acme", "campaign=bench", f"number={number}"],
        "variables": {"AMDSTATUS": "HUMAN"},
        "steps": list(steps),
    }


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    """p50/p99/max of seconds, in milliseconds."""
    return {
        "n": len(values),
        "p50": round(percentile(values, 50) * 1000, 2),
        "p99": round(percentile(values, 99) * 1000, 2),
        "max": round(max(values) * 1000, 2) if values else float("nan"),
    }


def load_average() -> list[float]:
    """The machine's load averages (1, 5, 15 min): other work skews every figure."""
    return [round(x, 2) for x in os.getloadavg()]


def listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full
    (``TcpExt: ListenOverflows`` in ``/proc/net/netstat``; the whole machine's)."""
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            fields = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(fields.get("ListenOverflows", 0))
    return 0


@dataclass
class CpuSampler:
    """A process's CPU seconds every ``every_s``, so the CPU of a window whose ends are
    known only afterwards (first ``StasisStart`` to last ``StasisEnd``) can be read."""

    proc: Proc
    every_s: float = 0.1
    samples: list[tuple[float, float]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.samples.append((time.time(), self.proc.cpu_seconds()))

    async def _run(self) -> None:
        while True:
            self.samples.append((time.time(), self.proc.cpu_seconds()))
            await asyncio.sleep(self.every_s)

    def at(self, moment: float) -> float:
        """CPU seconds at wall-clock ``moment``, interpolated between samples."""
        before = [s for s in self.samples if s[0] <= moment]
        after = [s for s in self.samples if s[0] >= moment]
        if not before:
            return after[0][1] if after else 0.0
        if not after:
            return before[-1][1]
        (t0, c0), (t1, c1) = before[-1], after[0]
        return c0 if t1 == t0 else c0 + (c1 - c0) * (moment - t0) / (t1 - t0)

    def between(self, start: float, end: float) -> float:
        return self.at(end) - self.at(start)


@dataclass
class RestProbe:
    """A client of its own that sends ``DELETE /ari/playbacks/{unknown}`` (404) to the
    simulator ``per_s`` times a second and times each round trip: the bare REST round
    trip under whatever load the machine has at that moment."""

    base_url: str
    per_s: float = 10
    times: list[float] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RestProbe:
        self._session = aiohttp.ClientSession(
            headers=AUTH_HEADERS,
            connector=aiohttp.TCPConnector(limit=1),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
        if self._session is not None:
            await self._session.close()

    async def once(self, n: int) -> float:
        assert self._session is not None
        url = f"{self.base_url}/ari/playbacks/probe-{n}"
        started = time.perf_counter()
        async with self._session.delete(url) as response:
            await response.read()
            if response.status != 404:
                raise RuntimeError(f"probe DELETE: {response.status}, not 404")
        return time.perf_counter() - started

    async def sample(self, count: int) -> list[float]:
        """``count`` round trips at ``per_s`` a second, now."""
        out = []
        started = time.monotonic()
        for n in range(count):
            await asyncio.sleep(max(0.0, started + n / self.per_s - time.monotonic()))
            out.append(await self.once(n))
        return out

    def start(self) -> None:
        self.times = []
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> list[float]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        return self.times

    async def _run(self) -> None:
        started = time.monotonic()
        n = 0
        while True:
            await asyncio.sleep(max(0.0, started + n / self.per_s - time.monotonic()))
            self.times.append(await self.once(n))
            n += 1
