"""Import and scrub at file speed, against a bare ``sort | join`` on the same numbers.

One seeded data set (``--seed 2026``): N opt-outs (default 1,000,000) in acme's
suppression list, a tenth of them Bel-me-niet register rows (half recorded on acme,
half on globex: a register row counts whoever recorded it), and an N-line call file
(``klant_id;naam;telefoonnummer;plaats``) whose numbers come in mixed forms (06…,
+316…, 0031 6…, 06-…, +31 6 …), half of them on the list.

- ``import_per_s``: the list loaded with ``ivr import`` (three runs: acme's recht van
  verzet, the register rows of acme and of globex), numbers per second over all three.
- ``scrub_cli_s``: ``ivr scrub calls.csv -o out.csv --advertiser acme``.
- ``scrub_http_s``: ``POST /v1/scrub`` of the same file to ``ivr api`` until the last
  byte of the answer.
- ``scrub_pipeline_s``: the bare reference, ``LC_ALL=C join -v 1 <(sort calls)
  <(sort optouts)`` on the same numbers already in E.164, one a line.

Each timed step also gives its CPU seconds (``*_cpu_s``: user + system of the processes
doing the work), which a machine shared with other work skews far less than wall time.

The CLI's and the API's answers must be the same bytes and keep exactly the call
file's unsuppressed rows; the script checks both. The last line is one JSON object.

    .venv/bin/python benchmarks/scrub.py [--rows 1000000] [--seed 2026] [--lookups 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import (
    CLK_TCK,
    cpu_seconds,
    ivr_command,
    load_average,
    peak_rss_mb,
    wait_until,
)
from ivr.ports import free_port

ADVERTISER = "acme"
CONFIG = '[advertisers.acme]\nname = "Acme"\n[advertisers.globex]\nname = "Globex"\n'


MOBILE_BLOCKS = "1234568"
"""The digit after 06 of Dutch mobile numbers (06-7… and 06-9… are not numbers)."""


def mobile(n: int) -> str:
    """The ``n``-th of the 70 million Dutch mobile numbers."""
    return f"+316{MOBILE_BLOCKS[n // 10_000_000]}{n % 10_000_000:07d}"


def dutch_form(e164: str, pick: int) -> str:
    digits = e164[3:]
    return [
        "0" + digits,
        e164,
        "0031 " + digits[0] + " " + digits[1:],
        "06-" + digits[1:],
        "+31 6 " + digits[1:5] + " " + digits[5:],
    ][pick % 5]


class DataSet:
    """The seeded numbers and the files made of them."""

    def __init__(self, workdir: Path, rows: int, seed: int) -> None:
        self.workdir = workdir
        self.rows = rows
        rng = random.Random(seed)
        pool = rng.sample(range(10_000_000 * len(MOBILE_BLOCKS)), 2 * rows)
        self.listed = [mobile(n) for n in pool[:rows]]
        self.clean = [mobile(n) for n in pool[rows:]]
        register = rows // 10
        self.lists = {
            "rvv-acme.csv": (self.listed[register:], ADVERTISER, ["--kind", "recht_van_verzet"]),
            "register-acme.csv": (self.listed[: register // 2], ADVERTISER, _REGISTER),
            "register-globex.csv": (self.listed[register // 2 : register], "globex", _REGISTER),
        }
        self.calls: list[tuple[str, bool]] = []
        for i in range(rows):
            suppressed = i % 2 == 0
            source = self.listed if suppressed else self.clean
            self.calls.append((source[rng.randrange(rows)], suppressed))
        self.call_file = workdir / "calls.csv"
        self.db = workdir / "ivr.sqlite3"

    def write(self) -> None:
        for name, (numbers, _, _) in self.lists.items():
            (self.workdir / name).write_text("telefoon\n" + "\n".join(numbers) + "\n")
        kept = hashlib.sha256()
        with self.call_file.open("w", encoding="utf-8", newline="") as out:
            header = "klant_id;naam;telefoonnummer;plaats\r\n"
            out.write(header)
            kept.update(header.encode())
            for i, (number, suppressed) in enumerate(self.calls):
                line = f"{i};Klant {i};{dutch_form(number, i)};Utrecht\r\n"
                out.write(line)
                if not suppressed:
                    kept.update(line.encode())
        self.kept_sha256 = kept.hexdigest()
        (self.workdir / "optouts.txt").write_text("\n".join(self.listed) + "\n")
        (self.workdir / "calls.txt").write_text("\n".join(n for n, _ in self.calls) + "\n")


_REGISTER = ["--kind", "bel_me_niet", "--scope", "all", "--charities", "no"]


def env(data: DataSet, **extra: str) -> dict[str, str]:
    config = data.workdir / "ivr.toml"
    config.write_text(CONFIG)
    values = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    values.update(IVR_CONFIG=str(config), IVR_DB=str(data.db), IVR_LOG_FORMAT="json", **extra)
    return values


Timing = tuple[float, float]
"""Wall seconds, and CPU seconds (user + system) of the processes timed."""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], environment: dict[str, str], cwd: Path | None = None) -> Timing:
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        command, env=environment, cwd=cwd, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    cpu = children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: exit {done.returncode}: {done.stderr}")
    print(f"  {' '.join(command[:3])[-60:]}: {seconds:.2f} s ({cpu:.2f} s CPU)")
    return seconds, cpu


def import_lists(data: DataSet) -> Timing:
    seconds = cpu = 0.0
    for name, (_, advertiser, extra) in data.lists.items():
        command = [*ivr_command(), "import", str(data.workdir / name), "--advertiser", advertiser]
        wall, used = run([*command, *extra], env(data))
        seconds, cpu = seconds + wall, cpu + used
    return seconds, cpu


def scrub_cli(data: DataSet, target: Path) -> Timing:
    command = [*ivr_command(), "scrub", str(data.call_file), "-o", str(target)]
    return run([*command, "--advertiser", ADVERTISER], env(data))


def pipeline(data: DataSet) -> Timing:
    script = "join -v 1 <(sort calls.txt) <(sort optouts.txt) > kept.txt"
    return run(["bash", "-c", script], {**os.environ, "LC_ALL": "C"}, data.workdir)


@asynccontextmanager
async def api_server(data: DataSet) -> AsyncIterator[tuple[str, int]]:
    port = free_port()
    environment = env(
        data,
        IVR_HTTP_PORT=str(port),
        IVR_HTTP_HOST="127.0.0.1",
        IVR_API_TOKENS="",
        IVR_MAX_UPLOAD_MB="1024",
    )
    with (data.workdir / "api.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: ASYNC220 (started once, before any traffic)
            [*ivr_command(), "api"], env=environment, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as session:

                async def up() -> bool:
                    if process.poll() is not None:
                        raise RuntimeError(f"ivr api exited; see {log.name}")
                    async with session.get(f"{base}/healthz") as response:
                        return response.status == 200

                await wait_until(up, 60, f"ivr api /healthz (see {log.name})")
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def server_cpu(pid: int) -> float:
    """``ivr api``'s CPU seconds with those of the copies it forked and waited for (the
    scrub passes half a large file in one: ``ivr.scrub.forked``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return cpu_seconds(pid) + (int(fields[13]) + int(fields[14])) / CLK_TCK


async def scrub_http(
    base: str, pid: int, data: DataSet, target: Path
) -> tuple[Timing, dict[str, str]]:
    timeout = aiohttp.ClientTimeout(total=None)
    cpu = server_cpu(pid)
    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with data.call_file.open("rb") as body, target.open("wb") as out:
            async with session.post(
                f"{base}/v1/scrub?advertiser={ADVERTISER}",
                data=body,
                headers={"Content-Type": "text/csv"},
            ) as response:
                if response.status != 200:
                    raise RuntimeError(f"scrub: {response.status} {await response.text()}")
                async for chunk in response.content.iter_chunked(1 << 16):
                    out.write(chunk)
                counts = {k: v for k, v in response.headers.items() if k.startswith("X-Scrub")}
    return (time.perf_counter() - started, server_cpu(pid) - cpu), counts


async def lookups(base: str, data: DataSet, count: int) -> dict[str, float]:
    rng = random.Random(11)
    timings: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            number = rng.choice(data.listed if rng.random() < 0.5 else data.clean)
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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


async def main(rows: int, seed: int, lookup_count: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"rows": rows, "optouts": rows, "seed": seed}
    with tempfile.TemporaryDirectory(prefix="ivr-bench-scrub-") as tmp:
        data = DataSet(Path(tmp), rows, seed)
        data.write()
        figures["call_file_mb"] = round(data.call_file.stat().st_size / 2**20, 1)
        print(f"data set: {rows:,} opt-outs, {rows:,} call lines ({figures['call_file_mb']} MB)")

        seconds, cpu = import_lists(data)
        figures["import_s"] = round(seconds, 2)
        figures["import_cpu_s"] = round(cpu, 2)
        figures["import_per_s"] = round(rows / seconds)
        figures["import_per_cpu_s"] = round(rows / cpu)
        print(f"import: {rows:,} numbers in {seconds:.1f} s, {rows / seconds:,.0f}/s")

        cli_out = data.workdir / "out-cli.csv"
        figures["scrub_cli_s"], figures["scrub_cli_cpu_s"] = scrub_cli(data, cli_out)
        if sha256_of(cli_out) != data.kept_sha256:
            raise RuntimeError("ivr scrub did not keep exactly the unsuppressed rows")

        http_out = data.workdir / "out-http.csv"
        async with api_server(data) as (base, pid):
            timing, counts = await scrub_http(base, pid, data, http_out)
            figures["scrub_http_s"], figures["scrub_http_cpu_s"] = timing
            figures["scrub_headers"] = counts
            figures["scrub_server_peak_rss_mb"] = round(peak_rss_mb(pid), 1)
            if lookup_count:
                timings = await lookups(base, data, lookup_count)
                figures["lookup_p50_ms"] = round(timings["p50_ms"], 2)
                figures["lookup_p99_ms"] = round(timings["p99_ms"], 2)
        if sha256_of(http_out) != data.kept_sha256:
            raise RuntimeError("POST /v1/scrub did not keep exactly the unsuppressed rows")

        figures["scrub_pipeline_s"], figures["scrub_pipeline_cpu_s"] = pipeline(data)
        kept = sum(1 for _ in (data.workdir / "kept.txt").open())
        figures["scrub_rows_kept"] = kept
        for front in ("cli", "http"):
            ratio = figures[f"scrub_{front}_s"] / figures["scrub_pipeline_s"]
            figures[f"scrub_{front}_over_pipeline"] = round(ratio, 2)
            cpu_ratio = figures[f"scrub_{front}_cpu_s"] / figures["scrub_pipeline_cpu_s"]
            figures[f"scrub_{front}_cpu_over_pipeline"] = round(cpu_ratio, 2)
        figures = {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}
        figures["load_avg"] = load_average()
        print(
            f"scrub {rows:,} lines against {rows:,} opt-outs: CLI {figures['scrub_cli_s']} s, "
            f"HTTP {figures['scrub_http_s']} s (server peak RSS "
            f"{figures['scrub_server_peak_rss_mb']} MB); sort | join "
            f"{figures['scrub_pipeline_s']} s ({kept:,} kept)"
        )
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--lookups", type=int, default=1000)
    options = parser.parse_args()
    print(json.dumps(asyncio.run(main(options.rows, options.seed, options.lookups))))
