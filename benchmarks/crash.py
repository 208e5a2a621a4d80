"""Crash proof: calls in flight, ``ivr serve`` SIGKILLed at random moments and restarted.

    python benchmarks/crash.py [--calls 300] [--kills 10] [--seed N] [--speed 20] [--db DB]

Calls are placed in as many waves as there are kills; each kill comes after a random
number of digits (0 .. 4 a call of the wave) reached the service since it last
started, so it lands anywhere from the menu to the confirmation.  After the last
restart every call must end.  Then:

* every opt-out whose ``rvv-registered`` or ``register-recorded`` prompt the
  simulator saw start is in the database exactly once (for that call and kind);
* no call and kind has two IVR rows;
* every call the simulator had has left the app, and its ``calls`` row has an outcome;
* every consent the API acknowledged (posted while the calls run) is in the database, and
  no consent older than a recht van verzet of its number is left without its withdrawal
  (the objection withdraws them in its own transaction);
* the whole evidence trail verifies, as ``ivr evidence verify`` reads it.

The last line is one JSON object with the counts; exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import Rig, wait_until
from ivr.clock import LoopClock
from ivr.store import Store

HEARD_MS = 18500
"""Past the end of offer-register and charities (must-hear: a key counts once stated)."""
STEPS = [
    {"on_prompt": "menu", "after_ms": 1000, "press": "1"},
    {"on_prompt": "offer-register", "after_ms": HEARD_MS, "press": "1"},
    {"on_prompt": "register-scope", "after_ms": 1000, "press": "1"},
    {"on_prompt": "charities", "after_ms": HEARD_MS, "press": "1"},
    {"on_prompt": "confirm-register", "after_ms": 1000, "press": "1"},
]
CONFIRMATIONS = {"rvv-registered": "recht_van_verzet", "register-recorded": "bel_me_niet"}
CONSENTS_PER_WAVE = 4
NUMBER = "+31612345678"
"""The number of every call (the harness's default) and of every consent."""


async def give_consents(rig: Rig, count: int) -> list[str]:
    """POST consents one after the other; the ids the API acknowledged (201/200)."""
    acknowledged = []
    assert rig.session is not None
    for n in range(count):
        body = {
            "number": NUMBER,
            "advertiser": "acme",
            "channel": "web",
            "obtained_at": datetime.now(UTC).isoformat(),
            "proof_ref": f"crash-{n}",
        }
        try:
            async with rig.session.post(rig.api_url + "/v1/consents", json=body) as response:
                if response.status in (200, 201):
                    acknowledged.append((await response.json())["id"])
        except (aiohttp.ClientError, TimeoutError):
            pass  # the service was killed before it answered: not acknowledged
        await asyncio.sleep(0.05)
    return acknowledged


async def evidence_mismatches(rig: Rig) -> list[str]:
    """What ``ivr evidence verify`` names altered, missing, inserted or reordered."""
    store = await Store.open(rig.db, LoopClock())
    try:
        report = await store.verify_evidence()
    finally:
        await store.close()
    return [f"{f.kind} {f.table} {f.id}: {f.detail}" for f in report.mismatches]


def consent_checks(rig: Rig, acknowledged: list[str]) -> dict[str, int]:
    rows = rig.dict_rows("SELECT * FROM consents ORDER BY chain_seq")
    ((latest_objection,),) = rig.rows(
        "SELECT max(created_at) FROM optouts WHERE kind = 'recht_van_verzet'"
        " AND advertiser = 'acme' AND number = ?",
        NUMBER,
    )
    ids = {row["id"] for row in rows}
    withdrawn = {row["withdraws"] for row in rows if row["kind"] == "withdrawal"}
    left_active = [
        row
        for row in rows
        if row["kind"] == "consent"
        and row["id"] not in withdrawn
        and latest_objection is not None
        and row["created_at"] < latest_objection
    ]
    return {
        "consents_acknowledged": len(acknowledged),
        "consents_missing_in_db": sum(1 for i in acknowledged if i not in ids),
        "consents_left_active_after_objection": len(left_active),
    }


async def digits_since(rig: Rig, since: float) -> int:
    return len(await rig.events("ChannelDtmfReceived", since=since))


async def wait_digits(rig: Rig, since: float, count: int, deadline_s: float) -> None:
    """Until ``count`` digits reached the service since ``since`` (or the deadline)."""

    async def enough() -> bool:
        return await digits_since(rig, since) >= count

    with contextlib.suppress(TimeoutError):
        await wait_until(enough, deadline_s, "digits", poll_s=0.02)


async def wait_all_ended(rig: Rig, channels: list[str], deadline_s: float) -> set[str]:
    end = time.monotonic() + deadline_s
    wanted = set(channels)
    while True:
        ended = await rig.ended() & wanted
        if ended == wanted or time.monotonic() > end:
            return ended
        await asyncio.sleep(0.2)


async def wait_all_sealed(rig: Rig, channels: list[str], deadline_s: float) -> None:
    """The service seals a call after its channel left: wait for the outcomes (or the end)."""
    end = time.monotonic() + deadline_s
    wanted = set(channels)
    while time.monotonic() < end:
        rows = rig.rows("SELECT channel_id FROM calls WHERE outcome IS NULL")
        if not wanted & {channel for (channel,) in rows}:
            return
        await asyncio.sleep(0.2)


def heard_confirmations(transcript: list[dict[str, Any]]) -> set[str]:
    kinds = set()
    for entry in transcript:
        if entry.get("kind") != "prompt":
            continue
        for prompt, kind in CONFIRMATIONS.items():
            if str(entry.get("media", "")).endswith("/" + prompt):
                kinds.add(kind)
    return kinds


async def crash_run(
    workdir: Path,
    *,
    calls: int,
    kills: int,
    seed: int,
    speed: float = 20,
    db_url: str | None = None,
) -> dict[str, Any]:
    rng = random.Random(seed)
    waves = [calls // kills + (1 if i < calls % kills else 0) for i in range(kills)]
    channels: list[str] = []
    consents: list[str] = []
    async with Rig(workdir, speed=speed, db_url=db_url) as rig:
        await rig.start_simulator()
        await rig.start_service()
        for wave in waves:
            since = time.time()
            giving = asyncio.create_task(give_consents(rig, CONSENTS_PER_WAVE))
            channels += await asyncio.gather(*(rig.place(STEPS) for _ in range(wave)))
            await wait_digits(rig, since, rng.randint(0, 4 * wave), deadline_s=60)
            assert rig.service is not None
            rig.service.kill()
            consents += await giving
            await rig.start_service()
        ended = await wait_all_ended(rig, channels, deadline_s=300)
        await wait_all_sealed(rig, channels, deadline_s=60)
        heard = {c: heard_confirmations(await rig.transcript(c)) for c in channels}
        rows: dict[tuple[str, str], int] = defaultdict(int)
        for channel_id, kind, n in rig.rows(
            "SELECT c.channel_id, o.kind, count(*) FROM optouts o JOIN calls c ON c.id = o.call_id"
            " WHERE o.source = 'ivr' GROUP BY c.channel_id, o.kind"
        ):
            rows[(channel_id, kind)] = n
        call_rows = rig.rows("SELECT channel_id, outcome FROM calls")
        starts = rig.service_starts
        consent_counts = consent_checks(rig, consents)
        mismatches = await evidence_mismatches(rig)
    wanted = set(channels)
    heard_pairs = [(c, k) for c, kinds in heard.items() for k in kinds]
    outcomes = Counter(str(o) for c, o in call_rows if c in wanted)
    return {
        "calls": len(channels),
        "kills": kills,
        "service_starts": starts,
        "seed": seed,
        "confirmations_heard": len(heard_pairs),
        "heard_missing_in_db": sum(1 for pair in heard_pairs if rows[pair] == 0),
        "heard_recorded_once": sum(1 for pair in heard_pairs if rows[pair] == 1),
        "optouts_in_db": sum(rows[(c, k)] for c in wanted for k in CONFIRMATIONS.values()),
        "recorded_not_heard": sum(
            1 for (c, k), n in rows.items() if c in wanted and n and k not in heard.get(c, set())
        ),
        "duplicated": sum(max(0, n - 1) for n in rows.values()),
        "calls_still_in_app": len(wanted - ended),
        "calls_without_outcome": outcomes.get("None", 0),
        "calls_without_row": len(wanted - {c for c, _ in call_rows}),
        "outcomes": dict(outcomes),
        **consent_counts,
        "evidence_mismatches": len(mismatches),
        "evidence_mismatches_first": mismatches[:5],
    }


def problems(result: dict[str, Any]) -> list[str]:
    found = []
    for key in (
        "heard_missing_in_db",
        "duplicated",
        "calls_still_in_app",
        "calls_without_outcome",
        "calls_without_row",
        "consents_missing_in_db",
        "evidence_mismatches",
        "consents_left_active_after_objection",
    ):
        if result[key]:
            found.append(f"{key}: {result[key]}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls in all (300)")
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs of the service (10)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (a fresh one)")
    parser.add_argument("--speed", type=float, default=20, help="simulator --speed (20)")
    parser.add_argument("--db", default=None, help="IVR_DB (default: a SQLite file)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    with tempfile.TemporaryDirectory(prefix="ivr-crash-") as tmp:
        result = asyncio.run(
            crash_run(
                Path(tmp),
                calls=args.calls,
                kills=args.kills,
                seed=seed,
                speed=args.speed,
                db_url=args.db,
            )
        )
    for key, value in result.items():
        print(f"{key}: {value}")
    found = problems(result)
    for problem in found:
        print(f"FAILED {problem}")
    print(json.dumps(result, sort_keys=True))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
