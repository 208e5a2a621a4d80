"""Several Asterisk boxes, one suppression list (docs/design.md §12, 14.25, 15.36).

Real processes on one PostgreSQL database: two ``ivr simulate`` (each its own entity id),
an ``ivr serve`` for each and one ``ivr api``. 300 scripted callers over both boxes
(recht van verzet, the register in full or in part, hang-ups), box A's ``ivr serve``
SIGKILLed twice while its calls run and started again at once; during each outage a few
of its callers give up. Afterwards every confirmation a caller heard is one row, every
call of each box is settled as recovery defines, box B never noticed, and the API
answers for the numbers of both boxes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.crash import heard_confirmations, wait_digits
from benchmarks.harness import ADVERTISERS, APP, Rig, wait_until
from ivr.flow.profile import load_profile
from ivr.prompts.offered import load_offered
from tests.processes import PROMPTS, start_api, wait_api_ready

SPEED = 20
WAVES = 3
CALLS_PER_WAVE = 50
"""Per box and wave: 3 waves x 50 calls x 2 boxes = 300 calls."""
GIVE_UP_PER_OUTAGE = 4
"""Callers of box A who hang up while its ``ivr serve`` is down."""
A_ID = "box-a"
"""Box A's ``IVR_ASTERISK_ID``; box B's serve takes its Asterisk's entity id."""
A_ENTITY, B_ENTITY = "02:aa:00:00:00:0a", "02:bb:00:00:00:0b"
ENDED = {"completed", "incomplete", "no_choice", "caller_hung_up"}
"""Outcomes of a call that no kill touched."""
CATEGORIES = load_profile("nl-ctm2012").category_ids
MARKS = {name: max(found.marks.values()) for name, found in load_offered(PROMPTS, "nl").items()}


def press(prompt: str, keys: str, after_ms: int = 500) -> dict[str, Any]:
    return {"on_prompt": prompt, "after_ms": after_ms, "press": keys}


def answer(prompt: str, keys: str) -> dict[str, Any]:
    """``keys`` once ``prompt`` has stated its question (past its last mark)."""
    return press(prompt, keys, MARKS.get(prompt, 200) + 300)


@dataclass(frozen=True)
class Script:
    """A kind of caller: its steps and the rows its choices make (kind -> scope, charities)."""

    name: str
    steps: list[dict[str, Any]]
    rows: dict[str, tuple[object, bool | None]]


WANTED = ("energie", "telecom-computers")
SCRIPTS = [
    Script(
        "verzet",
        [press("menu", "1", 1200), answer("offer-register", "2")],
        {"recht_van_verzet": (None, None)},
    ),
    Script(
        "verzet+totaal",
        [
            press("menu", "1", 1200),
            answer("offer-register", "1"),
            press("register-scope", "1"),
            answer("charities", "1"),
            press("confirm-register", "1"),
        ],
        {"recht_van_verzet": (None, None), "bel_me_niet": ("all", True)},
    ),
    Script(
        "totaal",
        [
            press("menu", "2", 1200),
            press("register-scope", "1"),
            answer("charities", "2"),
            press("confirm-register", "1"),
            answer("offer-rvv", "2"),
        ],
        {"bel_me_niet": ("all", False)},
    ),
    Script(
        "deel+verzet",
        [
            press("menu", "2", 1200),
            press("register-scope", "2"),
            *(press(f"category-{c}", "1" if c in WANTED else "2", 300) for c in CATEGORIES),
            press("confirm-register", "1"),
            answer("offer-rvv", "1"),
        ],
        {"bel_me_niet": (list(WANTED), None), "recht_van_verzet": (None, None)},
    ),
    Script("hangs up", [{"on_prompt": "menu", "after_ms": 3000, "hangup": True}], {}),
    Script(
        "verzet, hangs up",
        [
            press("menu", "1", 1200),
            {"on_prompt": "offer-register", "after_ms": 2000, "hangup": True},
        ],
        {"recht_van_verzet": (None, None)},
    ),
]


@dataclass
class Box:
    name: str
    asterisk_id: str
    rig: Rig
    prefix: str
    calls: dict[str, tuple[str, Script]] = field(default_factory=dict)
    """channel id -> (number, script)"""
    unsealed_at_kill: set[str] = field(default_factory=set)
    """Calls open (in the app, or not yet sealed) when this box's serve was killed."""
    gave_up: set[str] = field(default_factory=set)
    """Calls whose caller hung up while this box's serve was down."""

    def number(self, n: int) -> str:
        return f"{self.prefix}{n:04d}"


def new_box(
    workdir: Path, db: str, entity: str, prefix: str, asterisk_id: str | None = None
) -> Box:
    """A simulated Asterisk with entity id ``entity`` and its ``ivr serve`` on ``db``, which
    names the box ``asterisk_id`` (``IVR_ASTERISK_ID``), else takes the entity id."""
    env = {"IVR_ASTERISK_ID": asterisk_id} if asterisk_id is not None else {}
    sim = ["--entity-id", entity]
    rig = Rig(workdir, speed=SPEED, db_url=db, sim_options=sim, extra_env=env)
    return Box(workdir.name, asterisk_id or entity, rig, prefix)


def e164(number: str) -> str:
    return "+31" + number[1:]


async def place(box: Box, first: int, count: int) -> None:
    async def one(n: int) -> None:
        number, script = box.number(n), SCRIPTS[n % len(SCRIPTS)]
        channel = await box.rig.place(script.steps, number)
        box.calls[channel] = (number, script)

    await asyncio.gather(*(one(n) for n in range(first, first + count)))


async def in_app(rig: Rig) -> list[str]:
    status, body = await rig.sim_get(f"/ari/applications/{APP}")
    return list(body["channel_ids"]) if status == 200 else []


async def left_app(box: Box) -> bool:
    """Every call of ``box`` has left the app (a channel that hangs up while no ``ivr serve``
    is connected leaves without a ``StasisEnd`` anyone sees)."""
    return not set(await in_app(box.rig)) & set(box.calls)


async def get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        assert response.status == 200, (url, response.status, await response.text())
        return await response.json()


def service_log(box: Box) -> list[str]:
    """The lines of every ``ivr serve`` run of ``box`` (JSON logs)."""
    return (box.rig.workdir / "service.log").read_text().splitlines()


def stored_choice(row: dict[str, Any]) -> tuple[object, bool | None]:
    """An opt-out row's scope (stored as JSON text) and charities (stored as 0/1)."""
    scope = json.loads(row["scope"]) if row["scope"] is not None else None
    return scope, None if row["charities"] is None else bool(row["charities"])


def row_kinds(rows: Sequence[dict[str, Any]], call_id: str) -> Counter[str]:
    return Counter(r["kind"] for r in rows if r["call_id"] == call_id)


async def test_two_boxes_one_database_with_a_serve_killed_twice(
    tmp_path: Path, postgres_url: str
) -> None:
    started = time.monotonic()
    boxes = [
        new_box(tmp_path / "a", postgres_url, A_ENTITY, "061100", asterisk_id=A_ID),
        new_box(tmp_path / "b", postgres_url, B_ENTITY, "062200"),
    ]
    a = boxes[0]
    async with contextlib.AsyncExitStack() as stack:
        for box in boxes:
            box.rig.workdir.mkdir()
            await stack.enter_async_context(box.rig)
        await asyncio.gather(*(box.rig.start_simulator() for box in boxes))
        # Three processes migrate one fresh database at once (under the advisory lock).
        api, api_url = start_api(
            tmp_path, IVR_DB=postgres_url, IVR_ADVERTISERS=ADVERTISERS, IVR_PROMPTS_DIR=str(PROMPTS)
        )
        stack.callback(api.stop)
        for box in boxes:
            await box.rig.start_service(wait_ready=False)
        await asyncio.gather(*(box.rig.wait_ready(90) for box in boxes))

        for wave in range(WAVES):
            since = time.time()
            first = wave * CALLS_PER_WAVE
            await asyncio.gather(*(place(box, first, CALLS_PER_WAVE) for box in boxes))
            if wave == WAVES - 1:
                break
            await wait_digits(a.rig, since, CALLS_PER_WAVE * (wave + 1), deadline_s=90)
            assert a.rig.service is not None
            a.rig.service.kill()
            live = await in_app(a.rig)
            open_rows = a.rig.rows(
                "SELECT channel_id FROM calls WHERE asterisk = ? AND outcome IS NULL", a.asterisk_id
            )
            a.unsealed_at_kill |= set(live) | {channel for (channel,) in open_rows}
            for channel in sorted(live)[:GIVE_UP_PER_OUTAGE]:
                status, _ = await a.rig.sim_post(f"/_sim/channels/{channel}/hangup")
                if status in (200, 204):
                    a.gave_up.add(channel)
            await a.rig.start_service(wait_ready=False)
            await a.rig.wait_ready(90)

        for box in boxes:
            await wait_until(partial(left_app, box), 240, f"box {box.name}'s calls leaving the app")

        async def all_sealed() -> bool:
            open_rows = a.rig.rows(
                "SELECT count(*) FROM calls WHERE outcome IS NULL OR ended_at IS NULL"
            )
            return bool(open_rows[0][0] == 0)

        try:
            await wait_until(all_sealed, 120, "every call sealed", poll_s=0.2)
        except TimeoutError:
            still_open = a.rig.dict_rows(
                "SELECT asterisk, channel_id, id FROM calls WHERE outcome IS NULL"
            )
            said = [
                line
                for box in boxes
                for line in service_log(box)
                if any(row["id"] in line for row in still_open) or '"error"' in line
            ]
            raise AssertionError(f"left open: {still_open}\n" + "\n".join(said[:40])) from None

        heard = {
            box.name: {
                channel: heard_confirmations(await box.rig.transcript(channel))
                for channel in box.calls
            }
            for box in boxes
        }
        calls = a.rig.dict_rows(
            "SELECT id, asterisk, channel_id, number, outcome, evidence_complete, ended_at"
            " FROM calls"
        )
        optouts = a.rig.dict_rows(
            "SELECT call_id, kind, number, scope, charities FROM optouts WHERE source = 'ivr'"
        )
        assert a.rig.session is not None
        await wait_api_ready(a.rig.session, api, api_url, 60)
        answers = await api_answers(a.rig, api_url, boxes)

    assert a.rig.service_starts == WAVES, "box A's serve: started, killed and started twice"
    for box in boxes:  # every batch of either box committed (none lost to the other box)
        failed = [line for line in service_log(box) if '"store.batch_failed"' in line]
        assert failed == [], f"box {box.name}: {failed[:3]}"
    assert a.unsealed_at_kill and a.gave_up, "the kills found calls in progress"

    assert len(calls) == WAVES * CALLS_PER_WAVE * 2
    assert len({c["id"] for c in calls}) == len(calls), "call ids unique across boxes"
    by_box = {(c["asterisk"], c["channel_id"]): c for c in calls}
    assert len(by_box) == len(calls)
    for box in boxes:
        assert {ch for (ast, ch) in by_box if ast == box.asterisk_id} == set(box.calls)

    confirmed = 0
    for box in boxes:
        for channel, (number, script) in box.calls.items():
            call = by_box[(box.asterisk_id, channel)]
            where = f"box {box.name} call {channel} ({script.name})"
            assert call["number"] == e164(number), where
            assert call["outcome"] is not None and call["ended_at"] is not None, where
            killed = channel in box.unsealed_at_kill
            if channel in box.gave_up:
                assert call["outcome"] == "lost", where
            if killed:  # resumed by the next serve and ended, or sealed lost as it started
                assert call["outcome"] in ENDED | {"lost"}, where
                assert not call["evidence_complete"], where
            else:
                assert call["outcome"] in ENDED, where
                assert call["evidence_complete"], where
            kinds = row_kinds(optouts, call["id"])
            assert all(n == 1 for n in kinds.values()), (where, kinds)
            assert heard[box.name][channel] <= set(kinds), (where, heard[box.name][channel])
            confirmed += len(heard[box.name][channel])
            assert set(kinds) <= set(script.rows), (where, kinds)
            for row in (r for r in optouts if r["call_id"] == call["id"]):
                assert row["number"] == e164(number), where
                assert stored_choice(row) == script.rows[row["kind"]], (where, row)
            if not killed:
                assert set(kinds) == heard[box.name][channel] == set(script.rows), where
    assert confirmed >= len(calls) // 2, f"only {confirmed} confirmations heard"

    suppressed = {r["number"] for r in optouts}
    for box in boxes:
        for number, _ in box.calls.values():
            look_up, may_call = answers[number]
            assert look_up["suppressed"] is (e164(number) in suppressed), (number, look_up)
            listed = {e["kind"] for e in look_up["entries"]}
            assert listed == {r["kind"] for r in optouts if r["number"] == e164(number)}, number
            if look_up["suppressed"]:
                assert may_call["allowed"] is False, (number, may_call)
    outcomes = Counter(str(c["outcome"]) for c in calls)
    shared = len(set(a.calls) & set(boxes[1].calls))
    print(
        f"multi-box: {len(calls)} calls, {confirmed} confirmations heard, "
        f"{len(a.unsealed_at_kill)} open at a kill, {len(a.gave_up)} gave up, "
        f"{shared} channel ids on both boxes, outcomes {dict(outcomes)}, "
        f"{time.monotonic() - started:.1f} s"
    )


async def api_answers(
    rig: Rig, url: str, boxes: Sequence[Box]
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per number of either box: ``ivr api``'s look-up and may-call for advertiser acme."""
    assert rig.session is not None
    session = rig.session
    numbers = [number for box in boxes for number, _ in box.calls.values()]

    async def both(number: str) -> tuple[dict[str, Any], dict[str, Any]]:
        look_up = await get_json(session, f"{url}/v1/suppressions/{number}?advertiser=acme")
        may_call = await get_json(session, f"{url}/v1/may-call?number={number}&advertiser=acme")
        return look_up, may_call

    found = await asyncio.gather(*(both(n) for n in numbers))
    return dict(zip(numbers, found, strict=True))
