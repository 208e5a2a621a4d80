"""``ivr calls show`` and ``ivr calls search`` on a database written by real calls."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.clock import LoopClock
from ivr.domain import CallStart, Outcome
from ivr.store import Store

from .conftest import rows


def show(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["calls", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_show_tells_a_calls_story(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (recorded,) = rows(copy, "SELECT call_id FROM optouts WHERE kind = 'recht_van_verzet' LIMIT 1")
    call_id = recorded[0]

    code, out, _ = show(capsys, "show", call_id)

    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"call {call_id}")
    assert any("▶ welcome" in line for line in lines)
    assert any("interrupted at" in line or "heard to the end" in line for line in lines)
    assert any("⌨ 1" in line for line in lines)
    assert any("● recorded recht_van_verzet" in line for line in lines)
    assert any(line.strip().startswith("rights:") for line in lines)
    assert any("sealed #" in line for line in lines)

    code, out, _ = show(capsys, "show", call_id, "--json")
    body = json.loads(out)
    stored = rows(
        copy, "SELECT seq, hash FROM call_events WHERE call_id = ? ORDER BY seq", (call_id,)
    )
    assert [(e["seq"], e["hash"]) for e in body["events"]] == [tuple(r) for r in stored]
    assert body["call"]["id"] == call_id and body["optouts"][0]["kind"] == "recht_van_verzet"

    code, _, err = show(capsys, "show", "no-such-call")
    assert code == 2 and "no call no-such-call" in err


def test_search_finds_calls_to_follow_up_by_their_verdict(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def add_calls() -> None:
        store = await Store.open(copy, LoopClock())
        for call_id, verdict in (("unheard", "not_heard"), ("unconfirmed", "chosen_unconfirmed")):
            await store.start_call(
                CallStart(
                    id=call_id, channel_id=call_id, advertiser="acme", started_at=LoopClock().now(),
                    profile="nl-ctm2012", caller_number="0687654321",
                )
            )  # fmt: skip
            rights = {"recht_van_verzet": verdict, "bel_me_niet": "heard"}
            await store.seal_call(call_id, outcome=Outcome.INCOMPLETE, rights=rights)
        await store.close()

    asyncio.run(add_calls())

    code, out, _ = show(capsys, "search", "--rights", "not_heard,chosen_unconfirmed", "--json")
    assert code == 0
    found = [json.loads(line) for line in out.splitlines()]
    assert {"unconfirmed", "unheard"} <= {c["id"] for c in found}
    for call in found:  # real calls of the copy that left a right unheard are found too
        assert {"not_heard", "chosen_unconfirmed"} & set(call["rights"].values()), call
    code, out, _ = show(capsys, "search", "--number", "0687654321")
    assert sorted(line.split()[0] for line in out.splitlines()) == ["unconfirmed", "unheard"]
    code, out, _ = show(capsys, "search", "--advertiser", "acme")
    assert len(out.splitlines()) == len(rows(copy, "SELECT id FROM calls"))
    code, _, err = show(capsys, "search", "--rights", "maybe")
    assert code == 2 and "maybe" in err
