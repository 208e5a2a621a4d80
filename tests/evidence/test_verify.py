"""``ivr evidence verify`` finds every kind of tampering on a copy of a database written
by real calls (the demo through the simulated Asterisk)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from ivr.clock import LoopClock
from ivr.domain import CallEventKind, CallStart, Outcome
from ivr.store import Store, chain

from .conftest import mismatches, rows, run, tamper, verify


def busiest_call(path: Path) -> tuple[str, int]:
    """The call with the most events, and how many."""
    (row,) = rows(
        path,
        "SELECT call_id, COUNT(*) AS n FROM call_events GROUP BY call_id ORDER BY n DESC LIMIT 1",
    )
    return row["call_id"], row["n"]


def test_the_trail_of_real_calls_verifies_clean(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, findings, summary = verify(capsys)

    assert code == 0 and summary["ok"]
    assert mismatches(findings) == set()
    assert summary["calls"] >= 5 and summary["events"] > 50 and summary["optouts"] >= 3
    assert summary["checkpoints"] >= 1  # written by the service at shutdown


def test_a_changed_detail_is_altered(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_id, _ = busiest_call(copy)
    tamper(
        copy,
        'UPDATE call_events SET detail = \'{"digit":"9"}\' WHERE call_id = ? AND seq = 3',
        params=(call_id,),
    )

    code, findings, summary = verify(capsys)

    assert code == 1 and not summary["ok"]
    assert mismatches(findings) == {("altered", "call_events", f"{call_id}:3")}


def test_a_deleted_event_is_missing(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_id, _ = busiest_call(copy)
    tamper(copy, "DELETE FROM call_events WHERE call_id = ? AND seq = 4", params=(call_id,))

    code, findings, _ = verify(capsys)

    assert code == 1
    assert mismatches(findings) == {("missing", "call_events", f"{call_id}:4")}


def test_a_deleted_last_event_breaks_the_seal(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_id, count = busiest_call(copy)
    tamper(copy, "DELETE FROM call_events WHERE call_id = ? AND seq = ?", params=(call_id, count))

    code, findings, _ = verify(capsys, "--call", call_id)

    assert code == 1
    assert mismatches(findings) == {("altered", "calls", call_id)}


@pytest.mark.parametrize("hashed", [False, True], ids=["any-hash", "recomputed-hash"])
def test_an_inserted_event_is_inserted(
    copy: Path, capsys: pytest.CaptureFixture[str], hashed: bool
) -> None:
    call_id, count = busiest_call(copy)
    (last,) = rows(
        copy, "SELECT * FROM call_events WHERE call_id = ? AND seq = ?", (call_id, count)
    )
    at, detail = last["at"], '{"digit":"2"}'
    new_hash = (
        chain.event_hash(last["hash"], call_id, count + 1, at, "digit", detail)
        if hashed
        else last["hash"]
    )
    tamper(
        copy,
        "INSERT INTO call_events (call_id, seq, at, kind, detail, hash) VALUES (?, ?, ?, ?, ?, ?)",
        params=(call_id, count + 1, at, "digit", detail, new_hash),
    )

    code, findings, _ = verify(capsys)

    assert code == 1
    assert mismatches(findings) == {("inserted", "call_events", f"{call_id}:{count + 1}")}


@pytest.mark.parametrize("calls_left", ["many", "one"])
def test_events_of_no_call_are_inserted(
    copy: Path, capsys: pytest.CaptureFixture[str], calls_left: str
) -> None:
    call_id, count = busiest_call(copy)
    if calls_left == "one":  # a database of a single call reads the same way
        tamper(
            copy,
            "DELETE FROM call_events WHERE call_id <> ?",
            "DELETE FROM calls WHERE id <> ?",
            params=(call_id,),
        )
    (last,) = rows(
        copy, "SELECT * FROM call_events WHERE call_id = ? AND seq = ?", (call_id, count)
    )
    tamper(
        copy,
        "INSERT INTO call_events (call_id, seq, at, kind, detail, hash) VALUES (?, ?, ?, ?, ?, ?)",
        params=("no-such-call", 1, last["at"], "digit", '{"digit":"2"}', last["hash"]),
    )

    code, findings, _ = verify(capsys)

    assert code == 1
    assert {
        "kind": "inserted", "table": "call_events", "id": "no-such-call:1", "detail": "no such call"
    } in findings  # fmt: skip
    assert {f["id"] for f in findings if f["table"] == "call_events"} == {"no-such-call:1"}


def test_two_swapped_seq_are_reordered(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_id, _ = busiest_call(copy)
    tamper(
        copy,
        "UPDATE call_events SET seq = -1 WHERE call_id = ? AND seq = 5",
        "UPDATE call_events SET seq = 5 WHERE call_id = ? AND seq = 6",
        "UPDATE call_events SET seq = 6 WHERE call_id = ? AND seq = -1",
        params=(call_id,),
    )

    code, findings, _ = verify(capsys)

    assert code == 1
    assert mismatches(findings) == {
        ("reordered", "call_events", f"{call_id}:5"),
        ("reordered", "call_events", f"{call_id}:6"),
    }


def test_a_call_deleted_after_a_checkpoint_is_missing(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_id, _ = busiest_call(copy)
    (call,) = rows(copy, "SELECT seal_seq FROM calls WHERE id = ?", (call_id,))
    tamper(
        copy,
        "DELETE FROM call_events WHERE call_id = ?",
        "DELETE FROM calls WHERE id = ?",
        params=(call_id,),
    )

    code, findings, _ = verify(capsys)

    assert code == 1
    found = mismatches(findings)
    assert ("missing", "calls", f"seal_seq {call['seal_seq']}") in found
    assert any(kind == "altered" and table == "evidence_checkpoints" for kind, table, _ in found)


def test_a_changed_optout_after_a_checkpoint_is_altered(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (first,) = rows(copy, "SELECT id FROM optouts WHERE chain_seq = 1")
    tamper(copy, "UPDATE optouts SET number = '+31600000000' WHERE chain_seq = 1")

    code, findings, _ = verify(capsys)

    assert code == 1
    assert mismatches(findings) == {
        ("altered", "optouts", first["id"]),
        ("altered", "evidence_checkpoints", "seq 1"),  # its opt-outs head is no longer proven
    }


@pytest.mark.parametrize("which", ["first", "last"])
def test_a_deleted_optout_after_a_checkpoint_is_missing(
    copy: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    (top,) = rows(copy, "SELECT MAX(chain_seq) FROM optouts")
    seq = 1 if which == "first" else top[0]
    tamper(copy, "DELETE FROM optouts WHERE chain_seq = ?", params=(seq,))

    code, findings, _ = verify(capsys)

    assert code == 1
    found = mismatches(findings)
    assert ("missing", "optouts", f"chain_seq {seq}") in found
    assert ("altered", "evidence_checkpoints", "seq 1") in found


def rewrite_optouts_without(path: Path, seq: int) -> None:
    """The whole-database forgery: remove an opt-out and recompute every hash after it,
    the chain head and every checkpoint, so that the file alone is consistent again."""
    tamper(path, "DELETE FROM optouts WHERE chain_seq = ?", params=(seq,))
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        prev = chain.seed(chain.OPTOUTS_SEED)
        hashes = [prev]
        for n, row in enumerate(conn.execute("SELECT * FROM optouts ORDER BY chain_seq"), 1):
            prev = chain.optout_hash(prev, dict(row))
            hashes.append(prev)
            conn.execute(
                "UPDATE optouts SET chain_seq = ?, hash = ? WHERE id = ?", (n, prev, row["id"])
            )
        conn.execute(
            "UPDATE chain_heads SET seq = ?, hash = ? WHERE name = 'optouts'",
            (len(hashes) - 1, prev),
        )
        checkpoints = [
            dict(r) for r in conn.execute("SELECT * FROM evidence_checkpoints ORDER BY seq")
        ]
        link = chain.seed(chain.CHECKPOINTS_SEED)
        for checkpoint in checkpoints:
            moved = checkpoint["optouts_seq"] - (1 if checkpoint["optouts_seq"] >= seq else 0)
            checkpoint.update(optouts_seq=moved, optouts_head=hashes[moved], prev=link)
            link = chain.checkpoint_hash(link, checkpoint)
            conn.execute(
                "UPDATE evidence_checkpoints SET optouts_seq = ?, optouts_head = ?, prev = ?,"
                " hash = ? WHERE seq = ?",
                (moved, hashes[moved], checkpoint["prev"], link, checkpoint["seq"]),
            )


def test_a_database_rewritten_whole_is_found_only_with_the_checkpoints_kept_elsewhere(
    copy: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, kept = run(capsys, "evidence", "checkpoints")
    assert code == 0 and kept
    elsewhere = tmp_path / "kept.jsonl"
    elsewhere.write_text("".join(json.dumps(c) + "\n" for c in kept), encoding="utf-8")

    rewrite_optouts_without(copy, 2)

    code, findings, _ = verify(capsys)
    assert code == 0 and mismatches(findings) == set()  # the file alone looks consistent
    code, findings, _ = verify(capsys, "--checkpoints", str(elsewhere))
    assert code == 1
    found = mismatches(findings)
    assert ("altered", "evidence_checkpoints", "seq 1") in found
    assert ("altered", "kept checkpoints", "seq 1") in found


def test_calls_sealed_after_the_last_checkpoint_are_unsealed_information(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def one_more_call() -> str:
        store = await Store.open(copy, LoopClock())
        clock = LoopClock()
        call = CallStart(
            id="late-call", channel_id="c-late", advertiser="acme", started_at=clock.now(),
            profile="nl-ctm2012",
        )  # fmt: skip
        await store.start_call(call)
        await store.add_event(call.id, CallEventKind.HANGUP, {"by": "caller"})
        await store.seal_call(call.id, outcome=Outcome.CALLER_HUNG_UP, rights={})
        await store.close()
        return call.id

    call_id = asyncio.run(one_more_call())

    code, findings, _ = verify(capsys)
    assert code == 0
    assert {"kind": "unsealed", "table": "calls", "id": call_id} in [
        {k: f[k] for k in ("kind", "table", "id")} for f in findings
    ]
    code, (checkpoint,) = run(capsys, "evidence", "checkpoint")
    assert checkpoint["seal_to"] == checkpoint["seal_from"] + 1
    code, findings, _ = verify(capsys)
    assert code == 0 and not [f for f in findings if f["kind"] == "unsealed"]


def test_export_gives_the_rows_exactly_as_stored(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_id, count = busiest_call(copy)

    code, lines = run(capsys, "evidence", "export", "--call", call_id)

    assert code == 0
    assert lines[0] == {"table": "calls", **dict(rows(copy, "SELECT * FROM calls WHERE id = ?",
                                                      (call_id,))[0])}  # fmt: skip
    stored = rows(copy, "SELECT * FROM call_events WHERE call_id = ? ORDER BY seq", (call_id,))
    assert lines[1:] == [{"table": "call_events", **dict(row)} for row in stored]
    assert len(lines) == count + 1 and all(line.get("hash") for line in lines[1:])


def test_purged_calls_leave_tombstones_and_the_checkpoints_still_verify(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proof = {r[0] for r in rows(copy, "SELECT call_id FROM optouts WHERE call_id IS NOT NULL")}

    async def purge_everything_old() -> int:
        store = await Store.open(copy, LoopClock())
        try:
            return await store.purge_evidence(LoopClock().now() + timedelta(days=1))
        finally:
            await store.close()

    removed = asyncio.run(purge_everything_old())

    left = {r[0] for r in rows(copy, "SELECT id FROM calls")}
    assert removed >= 1 and left == proof  # only the proof behind opt-outs in force stays
    assert len(rows(copy, "SELECT * FROM purged_calls")) == removed
    code, findings, summary = verify(capsys)
    assert code == 0 and mismatches(findings) == set()
    assert summary["calls"] == len(proof)
