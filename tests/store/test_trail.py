"""The tamper-evident trail in the store: chained events, the seal, chained opt-outs,
triggers, late events, start-up recovery and rows from before the chains."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from ivr.clock import VirtualClock
from ivr.domain import CallEventKind, OptOutKind, OptOutSource, Outcome
from ivr.store import CallEventRecord, Store, chain
from ivr.store.db import Db
from ivr.store.migrate import load_migrations, migrate
from tests import sql

from .conftest import agent_request, ivr_request, new_call

RIGHTS = {"recht_van_verzet": "chosen", "bel_me_niet": "heard"}
LATER = "2026-03-03T10:00:00.000000+00:00"


def raw_rows(db: str | Path, text: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
    """Rows as another program reads them, on either backend."""
    return sql.rows(db, text, *params)


def refuse_digit_9(db: str, backend: str) -> None:
    """A write the database refuses (as a full disk would): a trigger on one event."""
    if backend == "sqlite":
        sql.rows(
            db,
            "CREATE TRIGGER refuse_digit_9 BEFORE INSERT ON call_events"
            " WHEN NEW.detail = '{\"digit\":\"9\"}' BEGIN SELECT RAISE(ABORT, 'disk'); END",
        )
        return
    sql.rows(
        db,
        "CREATE FUNCTION refuse_digit_9() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF NEW.detail = '{\"digit\":\"9\"}' THEN RAISE EXCEPTION 'disk'; END IF;"
        " RETURN NEW; END; $$",
    )
    sql.rows(
        db,
        "CREATE TRIGGER refuse_digit_9 BEFORE INSERT ON call_events FOR EACH ROW"
        " EXECUTE FUNCTION refuse_digit_9()",
    )


async def test_each_event_is_chained_to_the_one_before_from_the_call_seed(
    store: Store, clock: VirtualClock, db_url: str
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    await store.add_event(call.id, CallEventKind.PROMPT_STARTED, {"media": ["welkom"], "n": 1})
    await clock.advance(1.5)
    store.add_event_nowait(call.id, CallEventKind.DIGIT, {"digit": "1", "naam": "één"})
    await store.add_event(call.id, CallEventKind.CHOICE, {"right": "recht_van_verzet"})

    events = await store.call_events(call.id)
    stored = raw_rows(db_url, "SELECT * FROM call_events WHERE call_id = ? ORDER BY seq", [call.id])
    prev = chain.sha256_hex("ivr-evidence-v1:" + call.id)
    for event, row in zip(events, stored, strict=True):
        text = (
            f'{{"at":"{chain.hash_time(row["at"])}","call_id":"{call.id}",'
            f'"detail":{row["detail"]},"kind":"{row["kind"]}","seq":{row["seq"]}}}'
        )
        prev = chain.sha256_hex(prev + "\n" + text)
        assert event.hash == row["hash"] == prev
    assert stored[1]["detail"] == '{"digit":"1","naam":"één"}'
    assert [e.kind for e in events] == [
        CallEventKind.PROMPT_STARTED,
        CallEventKind.DIGIT,
        CallEventKind.CHOICE,
    ]


async def test_the_seal_writes_the_rights_row_then_the_head_over_the_call_row(
    store: Store, clock: VirtualClock, db_url: str
) -> None:
    call = new_call(
        clock, caller_number="0612345678", software_version="1.2.3", profile_hash="ab" * 32
    )
    await store.start_call(call)
    for n in range(30):
        store.add_event_nowait(call.id, CallEventKind.NOTE, {"n": n})
    await clock.advance(10)

    assert await store.seal_call(call.id, outcome=Outcome.COMPLETED, rights=RIGHTS)

    events = await store.call_events(call.id)
    assert [e.detail.get("n") for e in events[:30]] == list(range(30))  # drained before the seal
    assert events[-1].kind is CallEventKind.RIGHTS and events[-1].detail == RIGHTS
    sealed = await store.get_call(call.id)
    assert sealed is not None
    assert sealed.outcome is Outcome.COMPLETED and sealed.rights == RIGHTS
    assert sealed.ended_at == clock.now() and sealed.evidence_complete
    assert (sealed.caller_number, sealed.software_version) == ("0612345678", "1.2.3")
    assert sealed.seal_seq == 1
    (row,) = raw_rows(db_url, "SELECT * FROM calls WHERE id = ?", [call.id])
    assert sealed.evidence_head == chain.call_head(str(events[-1].hash), dict(row))
    assert '"evidence_complete":true' in chain.call_canonical(dict(row))
    (seals,) = raw_rows(db_url, "SELECT seq, hash FROM chain_heads WHERE name = 'seals'")
    assert seals["seq"] == 1
    assert seals["hash"] == chain.link(
        chain.seed("ivr-seals-v1"), f"{call.id}:{sealed.evidence_head}"
    )


async def test_seal_with_verdict_judges_every_queued_row_and_seals_in_one_commit(
    store: Store, clock: VirtualClock
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    for n in range(5):
        store.add_event_nowait(call.id, CallEventKind.NOTE, {"n": n})
    seen: list[list[int]] = []

    def verdict(rows: Sequence[CallEventRecord]) -> Mapping[str, str]:
        seen.append([row.detail["n"] for row in rows])
        return RIGHTS

    before = store.commits
    rights, sealed = await store.seal_with_verdict(
        call.id, outcome=Outcome.COMPLETED, verdict=verdict
    )

    assert (rights, sealed) == (RIGHTS, True)
    assert seen == [[0, 1, 2, 3, 4]]  # the rows queued before it, read in its transaction
    assert store.commits == before + 1
    events = await store.call_events(call.id)
    assert [e.kind for e in events] == [CallEventKind.NOTE] * 5 + [CallEventKind.RIGHTS]
    assert events[-1].detail == RIGHTS
    found = await store.get_call(call.id)
    assert found is not None and found.rights == RIGHTS and found.outcome is Outcome.COMPLETED
    assert found.evidence_head is not None and found.seal_seq == 1

    again = await store.seal_with_verdict(call.id, outcome=Outcome.LOST, verdict=lambda rows: {})
    assert again == ({}, False)
    found = await store.get_call(call.id)
    assert found is not None and found.outcome is Outcome.COMPLETED


async def test_a_call_is_sealed_once_and_takes_the_next_global_seal_seq(
    store: Store, clock: VirtualClock
) -> None:
    first, second = new_call(clock), new_call(clock)
    await store.start_call(first)
    await store.start_call(second)
    assert await store.seal_call(second.id, outcome=Outcome.CALLER_HUNG_UP, rights={})
    assert await store.seal_call(first.id, outcome=Outcome.INCOMPLETE, rights=RIGHTS)
    assert not await store.seal_call(first.id, outcome=Outcome.LOST, rights={})

    found = await store.get_call(first.id)
    assert found is not None and found.outcome is Outcome.INCOMPLETE
    assert [c.seal_seq for c in [await store.get_call(second.id), found] if c] == [1, 2]


async def test_events_after_the_seal_are_logged_counted_and_not_stored(
    store: Store, clock: VirtualClock
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    await store.seal_call(call.id, outcome=Outcome.CALLER_HUNG_UP, rights={})
    late: list[int] = []
    store.on_late_event = lambda: late.append(1)

    with capture_logs() as logs:
        store.add_event_nowait(call.id, CallEventKind.PROMPT_FINISHED, {"play_id": "p1"})
        await store.add_event(call.id, CallEventKind.HANGUP, {"by": "caller"})

    assert [e.kind for e in await store.call_events(call.id)] == [CallEventKind.RIGHTS]
    assert late == [1, 1]
    assert [entry["event"] for entry in logs].count("late_event") == 2
    assert await store.check_writable()


async def test_a_failed_evidence_write_seals_the_call_incomplete(
    store: Store, clock: VirtualClock, db_url: str, backend: str
) -> None:
    failures: list[int] = []
    store.on_evidence_failure = lambda: failures.append(1)
    call = new_call(clock)
    await store.start_call(call)
    with pytest.raises(ValueError, match="JSON"):
        store.add_event_nowait(call.id, CallEventKind.DIGIT, {"bad": float("nan")})
    await store.add_event(call.id, CallEventKind.DIGIT, {"digit": "1"})
    refuse_digit_9(db_url, backend)
    store.add_event_nowait(call.id, CallEventKind.DIGIT, {"digit": "9"})
    assert not await store.check_writable()

    await store.seal_call(call.id, outcome=Outcome.COMPLETED, rights=RIGHTS)

    sealed = await store.get_call(call.id)
    assert sealed is not None and not sealed.evidence_complete
    assert failures == [1]
    assert await store.check_writable()


async def test_triggers_refuse_changing_the_trail_outside_purge(
    store: Store, clock: VirtualClock, db_url: str
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    await store.add_event(call.id, CallEventKind.DIGIT, {"digit": "1"})
    # an open call's row may change, not its id or start
    raw_rows(db_url, "UPDATE calls SET number = '+31612345678' WHERE id = ?", [call.id])
    with pytest.raises(sql.DatabaseError, match="sealed call"):
        raw_rows(db_url, f"UPDATE calls SET started_at = '{LATER}' WHERE id = ?", [call.id])
    await store.seal_call(call.id, outcome=Outcome.COMPLETED, rights=RIGHTS)
    optout = await store.record_optout(agent_request())

    refused = [
        ("UPDATE call_events SET detail = '{}' WHERE call_id = ?", [call.id]),
        ("DELETE FROM call_events WHERE call_id = ?", [call.id]),
        ("UPDATE calls SET outcome = 'lost' WHERE id = ?", [call.id]),
        ("DELETE FROM calls WHERE id = ?", [call.id]),
        (
            "INSERT INTO call_events (call_id, seq, at, kind, detail)"
            f" VALUES (?, 9, '{LATER}', 'note', '{{}}')",
            [call.id],
        ),
        ("UPDATE optouts SET number = '+31600000000' WHERE id = ?", [optout.id]),
        ("DELETE FROM optouts WHERE id = ?", [optout.id]),
        ("DELETE FROM chain_heads", []),
    ]
    for statement, params in refused:
        with pytest.raises(sql.DatabaseError, match=r"append-only|sealed|removed|never"):
            raw_rows(db_url, statement, params)
    assert len(await store.call_events(call.id)) == 2


async def test_optouts_are_chained_in_one_chain_over_every_way_in(
    store: Store, clock: VirtualClock, db_url: str
) -> None:
    call = new_call(clock)
    await store.start_call(call)
    first = await store.record_optout(ivr_request(call.id))
    again = await store.record_optout(ivr_request(call.id))  # a retry adds no row
    register = await store.record_optout(ivr_request(call.id, OptOutKind.BEL_ME_NIET))
    await store.import_optouts([agent_request(number="+31611111111", source=OptOutSource.IMPORT)])
    revocation = await store.revoke(
        register.id, "asked", "consumer", "agent:007", OptOutSource.AGENT
    )

    assert again == first
    rows = raw_rows(db_url, "SELECT * FROM optouts ORDER BY chain_seq")
    assert [r["chain_seq"] for r in rows] == [1, 2, 3, 4]
    assert rows[-1]["id"] == revocation.id and rows[-1]["requested_by"] == "consumer"
    prev = chain.sha256_hex("ivr-optouts-v1")
    for row in rows:
        prev = chain.optout_hash(prev, dict(row))
        assert row["hash"] == prev
    (head,) = raw_rows(db_url, "SELECT seq, hash FROM chain_heads WHERE name = 'optouts'")
    assert (head["seq"], head["hash"]) == (4, prev)
    assert '"scope":"all"' in chain.optout_canonical(dict(rows[1]))
    assert '"charities":true' in chain.optout_canonical(dict(rows[1]))


async def test_a_call_marked_incomplete_is_sealed_incomplete(
    store: Store, clock: VirtualClock
) -> None:
    """A call resumed after a crash (the router marks it) keeps ``evidence_complete = false``
    through its seal; a sealed call is not marked."""
    resumed, done = new_call(clock), new_call(clock)
    for call in (resumed, done):
        await store.start_call(call)
    await store.seal_call(done.id, outcome=Outcome.COMPLETED, rights=RIGHTS)

    await store.mark_incomplete(resumed.id)
    await store.mark_incomplete(done.id)

    found = await store.get_call(resumed.id)
    assert found is not None and found.outcome is None and not found.evidence_complete
    assert await store.seal_call(resumed.id, outcome=Outcome.COMPLETED, rights=RIGHTS)
    found = await store.get_call(resumed.id)
    assert found is not None and found.outcome is Outcome.COMPLETED
    assert not found.evidence_complete
    sealed = await store.get_call(done.id)
    assert sealed is not None and sealed.evidence_complete


async def test_rows_from_before_the_chains_are_hashed_once_at_open(
    db_path: Path, clock: VirtualClock
) -> None:
    db = await Db.connect(db_path, clock, busy_timeout_ms=1000)
    await migrate(db, load_migrations()[:1])
    await db.close()
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO calls (id, channel_id, advertiser, profile, started_at, ended_at, outcome)"
            " VALUES ('old', 'c1', 'acme', 'nl-ctm2012', '2026-01-01T10:00:00.000000+00:00',"
            " '2026-01-01T10:01:00.000000+00:00', 'completed'),"
            " ('open', 'c2', 'acme', 'nl-ctm2012', '2026-01-01T10:00:00.000000+00:00', NULL, NULL)"
        )
        conn.execute(
            "INSERT INTO call_events (call_id, seq, at, kind, detail) VALUES"
            " ('old', 1, '2026-01-01T10:00:01.000000+00:00', 'digit', '{\"digit\": \"1\"}'),"
            " ('old', 2, '2026-01-01T10:00:02.000000+00:00', 'hangup', '{\"by\": \"caller\"}'),"
            " ('open', 1, '2026-01-01T10:00:01.000000+00:00', 'digit', '{\"digit\": \"2\"}')"
        )
        conn.execute(
            "INSERT INTO optouts (id, number, advertiser, kind, source, call_id, created_at,"
            " created_by) VALUES ('o1', '+31612345678', 'acme', 'recht_van_verzet', 'ivr', 'old',"
            " '2026-01-01T10:00:30.000000+00:00', 'ivr')"
        )

    store = await Store.open(db_path, clock)
    await store.add_event("open", CallEventKind.DIGIT, {"digit": "3"})
    await store.close()
    reopened = await Store.open(db_path, clock)  # nothing left to hash
    await reopened.close()

    events = raw_rows(db_path, "SELECT * FROM call_events ORDER BY call_id, seq")
    prev: dict[str, str] = {}
    for row in events:
        seed = prev.get(row["call_id"], chain.event_seed(row["call_id"]))
        prev[row["call_id"]] = chain.event_hash(
            seed, row["call_id"], row["seq"], row["at"], row["kind"], row["detail"]
        )
        assert row["hash"] == prev[row["call_id"]]
    (old,) = raw_rows(db_path, "SELECT * FROM calls WHERE id = 'old'")
    assert old["legacy"] == 1 and old["seal_seq"] == 1
    assert old["evidence_head"] == chain.call_head(prev["old"], dict(old))
    (optout,) = raw_rows(db_path, "SELECT * FROM optouts")
    assert optout["chain_seq"] == 1
    assert optout["hash"] == chain.optout_hash(chain.seed("ivr-optouts-v1"), dict(optout))
    assert sql.values(db_path, "SELECT chain, upto_seq FROM evidence_legacy") == [("optouts", 1)]
    assert sql.scalar(db_path, "SELECT COUNT(*) FROM evidence_maintenance") == 0
