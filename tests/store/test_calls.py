"""Calls and their evidence trail: recorded, ended once, found again, purged when old."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from structlog.testing import capture_logs

from ivr.clock import VirtualClock
from ivr.domain import CallEventKind, NumberSource, OptOutSource, Outcome
from ivr.store import CallNotFound, CallRecord, Store
from tests import sql

from .conftest import NUMBER, ivr_request, new_call


async def test_a_started_call_reads_back_with_every_column(
    store: Store, clock: VirtualClock
) -> None:
    call = new_call(
        clock,
        campaign="voorjaar",
        agent="007",
        script="v3",
        number=NUMBER,
        number_source=NumberSource.ARG,
        lang="nl",
        extra={"foo": "bar"},
    )
    await store.start_call(call)

    assert await store.get_call(call.id) == CallRecord(
        id=call.id,
        channel_id=call.channel_id,
        advertiser="acme",
        started_at=clock.now(),
        profile="nl-ctm2012",
        lang="nl",
        campaign="voorjaar",
        agent="007",
        script="v3",
        number=NUMBER,
        number_source=NumberSource.ARG,
        extra={"foo": "bar"},
    )
    assert await store.get_call("no-such-call") is None


async def test_a_keyed_number_is_kept_with_its_source(store: Store, clock: VirtualClock) -> None:
    call = new_call(clock)
    await store.start_call(call)
    store.set_call_number_nowait(call.id, NUMBER, NumberSource.KEYED)
    await clock.advance(1)  # the flush

    found = await store.get_call(call.id)
    assert found is not None
    assert (found.number, found.number_source) == (NUMBER, NumberSource.KEYED)


async def test_a_number_queued_without_waiting_rides_the_next_write(
    store: Store, clock: VirtualClock
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    before = store.commits
    failures: list[None] = []
    store.on_evidence_failure = lambda: failures.append(None)

    store.set_call_number_nowait(call.id, NUMBER, NumberSource.CALLER_ID)
    assert store.commits == before  # nothing committed for it alone
    await store.record_optout(ivr_request(call.id))

    assert store.commits == before + 1
    found = await store.get_call(call.id)
    assert found is not None
    assert (found.number, found.number_source) == (NUMBER, NumberSource.CALLER_ID)
    assert failures == []
    with capture_logs() as logs:
        store.set_call_number_nowait("no-such-call", NUMBER, NumberSource.KEYED)
        await clock.advance(1)  # the flush
    assert failures == [None] and not store.evidence_healthy
    (failed,) = [e for e in logs if e["event"] == "store.evidence_write_failed"]
    assert (failed["call_id"], failed["kind"]) == ("no-such-call", "call_number")


async def test_the_first_outcome_stays(store: Store, clock: VirtualClock) -> None:
    call = new_call(clock)
    await store.start_call(call)
    assert [c.id for c in await store.open_calls()] == [call.id]

    await clock.advance(42)
    await store.end_call(call.id, Outcome.CALLER_HUNG_UP)
    await store.end_call(call.id, Outcome.LOST, clock.now() + timedelta(seconds=5))

    found = await store.get_call(call.id)
    assert found is not None
    assert found.outcome is Outcome.CALLER_HUNG_UP
    assert found.ended_at == call.started_at + timedelta(seconds=42)
    assert await store.open_calls() == []
    with pytest.raises(CallNotFound):
        await store.end_call("no-such-call", Outcome.LOST)


async def test_events_get_their_sequence_per_call(store: Store, clock: VirtualClock) -> None:
    first, second = new_call(clock), new_call(clock)
    await store.start_call(first)
    await store.start_call(second)
    await store.add_event(first.id, CallEventKind.PROMPT_STARTED, {"prompt": "welcome"})
    await store.add_event(second.id, CallEventKind.DIGIT, {"digit": "1"})
    at = clock.now() + timedelta(milliseconds=1250)
    await store.add_event(first.id, CallEventKind.PROMPT_INTERRUPTED, {"offset_ms": 1250}, at)

    events = await store.call_events(first.id)
    assert [(e.seq, e.kind) for e in events] == [
        (1, CallEventKind.PROMPT_STARTED),
        (2, CallEventKind.PROMPT_INTERRUPTED),
    ]
    assert events[1].at == at
    assert events[1].detail == {"offset_ms": 1250}
    assert [e.seq for e in await store.call_events(second.id)] == [1]


async def test_calls_of_a_channel_come_oldest_first(store: Store, clock: VirtualClock) -> None:
    first = new_call(clock, channel_id="chan-1")
    await store.start_call(first)
    await clock.advance(1)
    second = new_call(clock, channel_id="chan-1")
    await store.start_call(second)
    await store.start_call(new_call(clock, channel_id="chan-2"))

    assert [c.id for c in await store.calls_for_channel("chan-1")] == [first.id, second.id]


async def test_search_calls_applies_every_filter(store: Store, clock: VirtualClock) -> None:
    early = new_call(clock, number=NUMBER, campaign="voorjaar")
    await store.start_call(early)
    await clock.advance(3600)
    middle = new_call(clock, number=NUMBER, campaign="zomer")
    await store.start_call(middle)
    await clock.advance(3600)
    late = new_call(clock, advertiser="globex", number="+31687654321")
    await store.start_call(late)

    async def ids(**filters: Any) -> list[str]:
        return [c.id async for c in store.search_calls(**filters)]

    assert await ids() == [early.id, middle.id, late.id]
    assert await ids(number=NUMBER) == [early.id, middle.id]
    assert await ids(advertiser="globex") == [late.id]
    assert await ids(campaign="zomer") == [middle.id]
    assert await ids(since=middle.started_at) == [middle.id, late.id]
    assert await ids(until=middle.started_at) == [early.id]
    assert await ids(since=early.started_at, until=late.started_at, limit=1) == [early.id]


async def test_purge_removes_old_evidence_but_keeps_the_proof_of_optouts_in_force(
    store: Store, clock: VirtualClock, db_url: str
) -> None:
    proof = new_call(clock)
    await store.start_call(proof)
    await store.add_event(proof.id, CallEventKind.DIGIT, {"digit": "1"})
    in_force = await store.record_optout(ivr_request(proof.id))
    await store.end_call(proof.id, Outcome.COMPLETED)
    old = new_call(clock)
    await store.start_call(old)
    await store.add_event(old.id, CallEventKind.DIGIT, {"digit": "2"})
    await store.end_call(old.id, Outcome.NO_CHOICE)
    revoked_call = new_call(clock)
    await store.start_call(revoked_call)
    revoked = await store.record_optout(ivr_request(revoked_call.id))
    await store.end_call(revoked_call.id, Outcome.COMPLETED)
    await store.revoke(revoked.id, "asked", "consumer", "agent:007", OptOutSource.AGENT)
    still_open = new_call(clock)
    await store.start_call(still_open)
    await clock.advance(86400 * 800)
    recent = new_call(clock)
    await store.start_call(recent)
    await store.add_event(recent.id, CallEventKind.DIGIT, {"digit": "2"})
    await store.end_call(recent.id, Outcome.COMPLETED)
    sealed_old = await store.get_call(old.id)

    removed = await store.purge_evidence(clock.now() - timedelta(days=730))

    assert removed == 2
    assert await store.get_call(old.id) is None
    assert await store.call_events(old.id) == []
    assert await store.get_call(revoked_call.id) is None
    kept = await store.get_call(proof.id)
    assert kept is not None and kept.outcome is Outcome.COMPLETED
    assert [e.detail for e in await store.call_events(proof.id)] == [{"digit": "1"}]
    assert await store.get_call(still_open.id) is not None
    assert len(await store.call_events(recent.id)) == 1
    assert await store.get_optout(in_force.id) == in_force
    assert await store.get_optout(revoked.id) == revoked
    assert sealed_old is not None
    assert sql.scalar(db_url, "SELECT COUNT(*) FROM call_events") == 2
    tombstones = sql.values(
        db_url,
        "SELECT call_id, ended_at, evidence_head, seal_seq FROM purged_calls ORDER BY seal_seq",
    )
    assert len(tombstones) == 2
    assert tombstones[0][0] == old.id
    assert (tombstones[0][2], tombstones[0][3]) == (sealed_old.evidence_head, sealed_old.seal_seq)


async def test_purge_keeps_a_profile_with_a_longer_retention_until_its_own_cut_off(
    store: Store, clock: VirtualClock
) -> None:
    dutch = new_call(clock)
    american = new_call(clock, profile="us-tcpa")
    for call in (dutch, american):
        await store.start_call(call)
        await store.end_call(call.id, Outcome.NO_CHOICE)
    await clock.advance(86400 * 800)
    keep = {"us-tcpa": clock.now() - timedelta(days=1825)}

    assert await store.purge_evidence(clock.now() - timedelta(days=730), keep) == 1
    assert await store.get_call(dutch.id) is None
    assert await store.get_call(american.id) is not None

    await clock.advance(86400 * 1100)
    keep = {"us-tcpa": clock.now() - timedelta(days=1825)}
    assert await store.purge_evidence(clock.now() - timedelta(days=730), keep) == 1
    assert await store.get_call(american.id) is None


async def test_open_calls_and_channels_of_one_box_only(store: Store, clock: VirtualClock) -> None:
    mine = new_call(clock, channel_id="chan-1", asterisk="box-a")
    theirs = new_call(clock, channel_id="chan-1", asterisk="box-b")
    unnamed = new_call(clock, channel_id="chan-2")
    for call in (mine, theirs, unnamed):
        await store.start_call(call)

    assert {c.id for c in await store.open_calls("box-a")} == {mine.id, unnamed.id}
    assert {c.id for c in await store.open_calls("box-b")} == {theirs.id, unnamed.id}
    assert {c.id for c in await store.open_calls()} == {mine.id, theirs.id, unnamed.id}
    assert [c.id for c in await store.calls_for_channel("chan-1", "box-b")] == [theirs.id]
    assert [c.asterisk for c in await store.calls_for_channel("chan-1", "box-a")] == ["box-a"]
