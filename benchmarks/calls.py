"""N concurrent scripted calls through ``ivr serve`` against ``ivr simulate``, on loopback.

    python benchmarks/calls.py [--calls 1000] [--burst 500] [--speed 20] [--db postgresql[://…]]

Each call: menu -> 1 recht van verzet -> 1 ja to offer-register -> 1 totaal -> 1 charities
-> 1 confirm -> goodbye.  Timings come from the simulator's wall-clock send times of
events (``GET /_sim/events``) and arrival times of requests (``GET /_sim/requests``);
both processes read this machine's clock.  The last line is ONE JSON object with every
figure (keys in ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import (
    PROMPTS,
    CpuSampler,
    RestProbe,
    Rig,
    listen_overflows,
    load_average,
    summary_ms,
)
from benchmarks.postgres_server import bench_database, db_option
from ivr.prompts.offered import load_offered

BARGE_MS = 2000
AFTER_MARK_MS = 500
OFFERED = load_offered(PROMPTS, "nl")


def press(prompt: str, mark: str | None = None) -> dict[str, Any]:
    """Press 1 on ``prompt`` 0.5 s past its statement ``mark`` (``prompts/nl/offered.toml``:
    the flow hears no answer before it), or 2 s into a prompt without one. Each key
    still falls inside its prompt, so each is a barge-in."""
    at = OFFERED[prompt].at(mark) if mark is not None and prompt in OFFERED else None
    after_ms = BARGE_MS if at is None else at + AFTER_MARK_MS
    return {"on_prompt": prompt, "after_ms": after_ms, "press": "1"}


FLOW = [
    press("menu", "recht_van_verzet"),  # before the menu states Bel-me-niet: it is offered next
    press("offer-register", "bel_me_niet"),
    press("register-scope"),
    press("charities", "asked"),
    press("confirm-register"),
]
BURST_STEPS = [{"on_prompt": "welcome", "after_ms": 500, "hangup": True}]
KINDS = ("recht_van_verzet", "bel_me_niet")


def by_channel(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        grouped[str(event.get("channel_id"))].append(event)
    return grouped


def request_index(
    requests: list[dict[str, Any]],
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[tuple[float, str]]]]:
    """Per channel: answer arrivals, stop-playback arrivals, play arrivals with their media."""
    answers: dict[str, list[float]] = defaultdict(list)
    stops: dict[str, list[float]] = defaultdict(list)
    plays: dict[str, list[tuple[float, str]]] = defaultdict(list)
    playback_channel: dict[str, str] = {}
    for req in requests:
        parts = req["path"].split("/")
        if req["method"] == "POST" and len(parts) >= 5 and parts[2] == "channels":
            channel = parts[3]
            if parts[4] == "answer":
                answers[channel].append(req["t"])
            elif parts[4] == "play":
                playback_id = parts[5] if len(parts) > 5 else req["query"].get("playbackId")
                if playback_id:
                    playback_channel[playback_id] = channel
                plays[channel].append((req["t"], str(req["query"].get("media", ""))))
        elif req["method"] == "DELETE" and len(parts) == 4 and parts[2] == "playbacks":
            channel = playback_channel.get(parts[3], "")
            stops[channel].append(req["t"])
    return answers, stops, plays


def first_after(times: list[float], start: float, before: float = float("inf")) -> float | None:
    return next((t for t in sorted(times) if start <= t < before), None)


def barge_in_latencies(
    dtmf: dict[str, list[dict[str, Any]]], stops: dict[str, list[float]]
) -> list[float]:
    """(a) a digit's ChannelDtmfReceived sent -> the next stop-playback request for its call."""
    out = []
    for channel, digits in dtmf.items():
        times = sorted(d["t"] for d in digits)
        for i, sent in enumerate(times):
            nxt = times[i + 1] if i + 1 < len(times) else float("inf")
            stop = first_after(stops.get(channel, []), sent, nxt)
            if stop is not None:
                out.append(stop - sent)
    return out


def answer_latencies(
    starts: dict[str, list[dict[str, Any]]], answers: dict[str, list[float]]
) -> list[float]:
    """(c) StasisStart sent -> the answer request arriving."""
    out = []
    for channel, events in starts.items():
        answered = first_after(answers.get(channel, []), events[0]["t"])
        if answered is not None:
            out.append(answered - events[0]["t"])
    return out


async def place_all(
    rig: Rig, count: int, steps: list[dict[str, Any]], ramp_s: float = 0
) -> list[str]:
    """All at once (``ramp_s`` 0), or evenly spread over ``ramp_s`` seconds."""
    if ramp_s <= 0:
        return list(await asyncio.gather(*(rig.place(steps) for _ in range(count))))
    started = time.monotonic()
    placing = []
    for i in range(count):
        due = started + ramp_s * i / count
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        placing.append(asyncio.ensure_future(rig.place(steps)))
    return list(await asyncio.gather(*placing))


async def wait_ended(rig: Rig, channels: list[str], deadline_s: float) -> float:
    """Until every call has its outcome in the database; the time the last one left the app.

    Polls the service's database (a read-only connection), not the simulator: a query
    over the simulator's event log would hold up its loop and skew the timings."""
    wanted = set(channels)
    end = time.monotonic() + deadline_s
    while True:
        finished = {
            channel_id
            for (channel_id,) in rig.rows("SELECT channel_id FROM calls WHERE outcome IS NOT NULL")
        }
        if wanted <= finished:
            break
        if time.monotonic() > end:
            missing = len(wanted - finished)
            raise TimeoutError(f"{missing} calls without an outcome after {deadline_s:.0f} s")
        await asyncio.sleep(0.5)
    ends = [e["t"] for e in await rig.events("StasisEnd") if e["channel_id"] in wanted]
    return float(max(ends))


def commit_latencies(
    rig: Rig,
    dtmf: dict[str, list[dict[str, Any]]],
    plays: dict[str, list[tuple[float, str]]],
    channels: list[str],
) -> tuple[list[float], list[float]]:
    """(b) the confirming digit -> the bel_me_niet row's created_at, and -> the
    register-recorded play request (which the durability rule puts after the commit)."""
    created: dict[str, float] = {}
    for channel_id, at in rig.rows(
        "SELECT c.channel_id, o.created_at FROM optouts o JOIN calls c ON c.id = o.call_id"
        " WHERE o.kind = 'bel_me_niet' AND o.source = 'ivr'"
    ):
        created[channel_id] = datetime.fromisoformat(at).timestamp()
    to_row, to_prompt = [], []
    for channel in channels:
        digits = sorted(d["t"] for d in dtmf.get(channel, []))
        if not digits:
            continue
        confirm = digits[-1]
        if channel in created:
            to_row.append(created[channel] - confirm)
        recorded = [t for t, media in plays.get(channel, []) if "register-recorded" in media]
        after = first_after(recorded, confirm)
        if after is not None:
            to_prompt.append(after - confirm)
    return to_row, to_prompt


def optout_counts(rig: Rig, channels: list[str]) -> dict[str, int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for channel_id, kind, n in rig.rows(
        "SELECT c.channel_id, o.kind, count(*) FROM optouts o JOIN calls c ON c.id = o.call_id"
        " WHERE o.source = 'ivr' GROUP BY c.channel_id, o.kind"
    ):
        counts[(channel_id, kind)] = n
    expected = len(channels) * len(KINDS)
    found = sum(counts[(c, k)] for c in channels for k in KINDS)
    lost = sum(1 for c in channels for k in KINDS if counts[(c, k)] == 0)
    duplicated = sum(max(0, n - 1) for n in counts.values())
    return {"expected": expected, "found": found, "lost": lost, "duplicated": duplicated}


def outcomes(rig: Rig, channels: list[str]) -> dict[str, int]:
    wanted = set(channels)
    tally: dict[str, int] = defaultdict(int)
    for channel_id, outcome in rig.rows("SELECT channel_id, outcome FROM calls"):
        if channel_id in wanted:
            tally[str(outcome)] += 1
    return dict(tally)


async def burst(rig: Rig, count: int) -> dict[str, Any]:
    """``count`` hand-offs at once: their StasisStart spread and StasisStart -> answer."""
    since = time.time()
    channels = await rig.place_burst(count, BURST_STEPS)
    await wait_ended(rig, channels, 120)
    wanted = set(channels)
    starts = by_channel(
        [e for e in await rig.events("StasisStart", since=since) if e["channel_id"] in wanted]
    )
    answers, _, _ = request_index(await rig.requests())
    latencies = answer_latencies(starts, answers)
    start_times = [events[0]["t"] for events in starts.values()]
    return {
        "calls": count,
        "spread_ms": round((max(start_times) - min(start_times)) * 1000, 1),
        "answered": len(latencies),
        "answer_ms": summary_ms(latencies),
    }


def py_spy() -> str:
    """The ``py-spy`` beside this Python (the ``bench`` extra), else the one on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else "py-spy"


def start_profilers(rig: Rig, into: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy on both processes (the ``bench`` extra), collapsed stacks into ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                *(py_spy(), "record", "--nonblocking", "--format", "raw", "--rate", "200"),
                *("--pid", str(proc.pid), "-o", str(into / f"{proc.name}.txt")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for proc in (rig.service, rig.sim)
        if proc is not None
    ]


def stop_profilers(profilers: list[subprocess.Popen[bytes]]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(timeout=60)


async def run(
    calls: int,
    burst_size: int,
    speed: float,
    ramp_s: float = 0,
    profile: Path | None = None,
    idle_probes: int = 100,
    db_url: str | None = None,
) -> dict[str, Any]:
    """The calls (none for ``calls`` 0), then the burst, on one service."""
    overflows_before = listen_overflows()
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as tmp:
        async with Rig(Path(tmp), speed=speed, db_url=db_url) as rig:
            await rig.start_simulator()
            await rig.start_service()
            assert rig.service is not None
            if calls:
                figures, profilers = await through_calls(rig, calls, ramp_s, idle_probes, profile)
            else:
                figures, profilers = {}, start_profilers(rig, profile) if profile else []
            figures["burst"] = await burst(rig, burst_size) if burst_size else {}
            stop_profilers(profilers)
            overflows = listen_overflows() - overflows_before
            return {
                "calls": calls,
                "speed": speed,
                **figures,
                "service_peak_rss_mb": round(rig.service.peak_rss_mb(), 1),
                "service_cpu_s": round(rig.service.cpu_seconds(), 2),
                "listen_overflows": overflows,
                "overflowed": overflows > 0,
                "load_avg": load_average(),
            }


async def through_calls(
    rig: Rig, calls: int, ramp_s: float, idle_probes: int, profile: Path | None
) -> tuple[dict[str, Any], list[subprocess.Popen[bytes]]]:
    """``calls`` scripted calls, with the REST probe idle before them and during them; their
    figures, and the profilers started for them (they run on through the burst)."""
    assert rig.service is not None
    async with RestProbe(rig.sim_url) as probe:
        idle = await probe.sample(idle_probes)
        print(f"REST round trip, idle: {summary_ms(idle)}", flush=True)
        profilers = start_profilers(rig, profile) if profile else []
        sampler = CpuSampler(rig.service)
        sampler.start()
        probe.start()
        began = time.time()
        channels = await place_all(rig, calls, FLOW, ramp_s)
        placed = time.time()
        print(f"placed {calls} calls in {placed - began:.2f} s", flush=True)
        last_end = await wait_ended(rig, channels, 900)
        loaded = await probe.stop()
        await sampler.stop()
    elapsed = last_end - began
    sim_cpu = rig.sim.cpu_seconds() if rig.sim else 0.0

    wanted = set(channels)
    events = [
        e
        for e in await rig.events("ChannelDtmfReceived", "StasisStart")
        if e["channel_id"] in wanted
    ]
    dtmf = by_channel([e for e in events if e["type"] == "ChannelDtmfReceived"])
    starts = by_channel([e for e in events if e["type"] == "StasisStart"])
    first_start = min(e[0]["t"] for e in starts.values())
    calls_cpu = sampler.between(first_start, last_end)
    answers, stops, plays = request_index(await rig.requests())
    barge = summary_ms(barge_in_latencies(dtmf, stops))
    to_row, to_prompt = commit_latencies(rig, dtmf, plays, channels)
    counts = optout_counts(rig, channels)
    rtt = summary_ms(loaded)
    figures = {
        "ramp_s": ramp_s,
        "elapsed_s": round(elapsed, 2),
        "placing_s": round(placed - began, 2),
        "calls_per_s": round(calls / elapsed, 1),
        "outcomes": outcomes(rig, channels),
        "barge_in_ms": barge,
        "confirm_to_row_ms": summary_ms(to_row),
        "confirm_to_recorded_prompt_ms": summary_ms(to_prompt),
        "answer_ms": summary_ms(answer_latencies(starts, answers)),
        "rest_rtt_idle_ms": summary_ms(idle),
        "rest_rtt_ms": rtt,
        "barge_in_p50_over_round_trip": round(barge["p50"] / rtt["p50"], 1),
        "barge_in_p99_over_round_trip": round(barge["p99"] / rtt["p99"], 1),
        "service_cpu_calls_s": round(calls_cpu, 3),
        "cpu_ms_per_call": round(calls_cpu * 1000 / calls, 2),
        "simulator_cpu_s": round(sim_cpu, 2),
        "optouts_expected": counts["expected"],
        "optouts_found": counts["found"],
        "lost": counts["lost"],
        "duplicated": counts["duplicated"],
    }
    return figures, profilers


def targets(figures: dict[str, Any]) -> dict[str, bool]:
    burst_fig = figures.get("burst") or {}
    return {
        "barge_in_p99_le_20ms": figures["barge_in_ms"]["p99"] <= 20,
        "confirm_to_row_p99_le_50ms": figures["confirm_to_row_ms"]["p99"] <= 50,
        "burst_all_answered_within_1s": bool(burst_fig)
        and burst_fig["answered"] == burst_fig["calls"]
        and burst_fig["answer_ms"]["max"] <= 1000,
        "rss_le_300mb": figures["service_peak_rss_mb"] <= 300,
        "none_lost_or_duplicated": figures["lost"] == 0 and figures["duplicated"] == 0,
    }


def line(label: str, s: dict[str, float]) -> str:
    return f"{label}: p50 {s['p50']} ms, p99 {s['p99']} ms, max {s['max']} ms (n={s['n']})"


def burst_line(burst_fig: dict[str, Any]) -> str:
    return (
        f"burst: {burst_fig['calls']} hand-offs within {burst_fig['spread_ms']} ms, "
        f"{burst_fig['answered']} answered; "
        + line("StasisStart -> answer", burst_fig["answer_ms"])
    )


def report(figures: dict[str, Any]) -> None:
    print(
        f"calls: {figures['calls']} at --speed {figures['speed']}, outcomes {figures['outcomes']}"
    )
    print(f"completed: {figures['calls_per_s']} calls/s ({figures['elapsed_s']} s in all)")
    print(line("(a) DTMF sent -> stop-playback request", figures["barge_in_ms"]))
    print(line("    REST round trip, probe during the calls", figures["rest_rtt_ms"]))
    print(line("    REST round trip, probe before the calls (idle)", figures["rest_rtt_idle_ms"]))
    print(
        f"    barge-in as a ratio to the round trip under the same load: "
        f"p50 x{figures['barge_in_p50_over_round_trip']}, "
        f"p99 x{figures['barge_in_p99_over_round_trip']}"
    )
    print(line("(b) confirming digit -> optouts.created_at", figures["confirm_to_row_ms"]))
    print(
        line(
            "    confirming digit -> register-recorded play (after the commit)",
            figures["confirm_to_recorded_prompt_ms"],
        )
    )
    print(line("(c) StasisStart -> answer", figures["answer_ms"]))
    if figures["burst"]:
        print(burst_line(figures["burst"]))
    print(
        f"service: peak RSS {figures['service_peak_rss_mb']} MB, CPU {figures['service_cpu_s']} s"
        f" (simulator CPU {figures['simulator_cpu_s']} s during the calls)"
    )
    print(
        f"service CPU first StasisStart -> last StasisEnd: {figures['service_cpu_calls_s']} s,"
        f" {figures['cpu_ms_per_call']} ms per call"
    )
    overflow_note = " (OVERFLOWED: answer times carry SYN retries)" if figures["overflowed"] else ""
    print(f"listen-queue overflows (whole machine): {figures['listen_overflows']}{overflow_note}")
    print(
        f"opt-outs: expected {figures['optouts_expected']}, found {figures['optouts_found']}, "
        f"lost {figures['lost']}, duplicated {figures['duplicated']}"
    )
    print(f"load average at the end: {figures['load_avg']}")
    for name, held in figures["targets"].items():
        print(f"target {name}: {'holds' if held else 'MISSED'}")


def report_burst(figures: dict[str, Any]) -> None:
    print(burst_line(figures["burst"]))
    print(f"listen-queue overflows (whole machine): {figures['listen_overflows']}")
    print(f"load average at the end: {figures['load_avg']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, default=1000, help="concurrent calls (1000); 0: the burst alone"
    )
    parser.add_argument("--burst", type=int, default=500, help="hand-offs in the burst (500)")
    parser.add_argument("--speed", type=float, default=20, help="simulator --speed (20)")
    parser.add_argument(
        "--ramp",
        type=float,
        default=0,
        metavar="SECONDS",
        help="spread the calls' start evenly over SECONDS (0: all at once)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="py-spy both processes (calls and burst), stacks into DIR",
    )
    parser.add_argument(
        "--idle-probes", type=int, default=100, help="REST probes before the calls (100)"
    )
    parser.add_argument(
        "--db",
        type=db_option,
        default=None,
        metavar="DB",
        help="postgresql://… (a server to run on), or postgresql (start one); default: SQLite",
    )
    args = parser.parse_args()
    with bench_database(args.db) if args.db else contextlib.nullcontext() as db_url:
        figures = asyncio.run(
            run(
                args.calls,
                args.burst,
                args.speed,
                args.ramp,
                args.profile,
                args.idle_probes,
                db_url,
            )
        )
    figures["backend"] = "postgresql" if args.db else "sqlite"
    if args.calls:
        figures["targets"] = targets(figures)
        report(figures)
    else:
        report_burst(figures)
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
