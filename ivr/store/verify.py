"""``ivr evidence verify``: recompute every chain, seal and checkpoint from the rows.

Reads only.  Mismatches (``altered``, ``missing``, ``inserted``, ``reordered``)
name the row; ``unsealed`` (sealed or chained after the last checkpoint, or a
call still open) and ``legacy`` (hashed once after the fact) are information.
With checkpoints kept elsewhere, a database rewritten whole with recomputed
hashes is found too: the copies no longer match what the rows give.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ivr.store import chain
from ivr.store.chain_walk import (
    ALTERED,
    INSERTED,
    LEGACY,
    MISSING,
    UNSEALED,
    ChainRow,
    Finding,
    Walk,
    walk_chain,
)
from ivr.store.consents import consent_canonical
from ivr.store.database import Database, Row
from ivr.store.trail import CHECKPOINT_COLUMNS, CHECKPOINT_NAMES


@dataclass(slots=True)
class Report:
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def mismatches(self) -> list[Finding]:
        return [f for f in self.findings if f.mismatch]

    def summary(self) -> dict[str, Any]:
        kinds: dict[str, int] = {}
        for finding in self.findings:
            kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
        return {"ok": not self.mismatches, **self.counts, "findings": kinds}


async def verify(
    db: Database,
    *,
    call_id: str | None = None,
    kept_checkpoints: Sequence[Mapping[str, Any]] | None = None,
) -> Report:
    report = Report()
    calls = await _calls(db, call_id)
    report.counts["calls"] = len(calls)
    report.counts["events"] = await _verify_calls(db, calls, call_id, report)
    if call_id is not None:
        return report
    optouts = await _verify_optouts(db, report)
    consents = await _verify_table(db, report, "consents", chain.CONSENTS_SEED, consent_canonical)
    seals = await _verify_seals(db, calls, report)
    checkpoints = [dict(row) for row in await db.fetchall(_CHECKPOINTS)]
    report.counts["checkpoints"] = len(checkpoints)
    data = _Data(optouts, consents, seals)
    _verify_checkpoint_chain(checkpoints, data, report, "evidence_checkpoints")
    if kept_checkpoints is not None:
        _compare_kept(kept_checkpoints, checkpoints, data, report)
    _report_unsealed(checkpoints, calls, optouts, report)
    return report


_CHECKPOINTS = f"SELECT {CHECKPOINT_COLUMNS} FROM evidence_checkpoints ORDER BY seq"  # noqa: S608


async def _calls(db: Database, call_id: str | None) -> dict[str, dict[str, Any]]:
    if call_id is None:
        rows = await db.fetchall("SELECT * FROM calls ORDER BY started_at, id")
    else:
        rows = await db.fetchall("SELECT * FROM calls WHERE id = ?", (call_id,))
    return {row["id"]: dict(row) for row in rows}


# -- calls and their events


async def _verify_calls(
    db: Database, calls: dict[str, dict[str, Any]], call_id: str | None, report: Report
) -> int:
    """Every call's events and seal; with ``call_id`` only that call's, else events of no
    call are named too."""
    sql = "SELECT call_id, seq, at, kind, detail, hash FROM call_events"
    params: tuple[Any, ...] = ()
    if call_id is not None:
        sql += " WHERE call_id = ?"
        params = (call_id,)
    events: dict[str, list[Row]] = {}
    count = 0
    async for row in db.stream(sql + " ORDER BY call_id, seq", params):
        count += 1
        if row["call_id"] in calls:
            events.setdefault(row["call_id"], []).append(row)
        elif call_id is None:
            report.findings.append(
                Finding(INSERTED, "call_events", f"{row['call_id']}:{row['seq']}", "no such call")
            )
    for call in calls.values():
        _verify_call(call, events.get(call["id"], []), report)
    return count


def _event_canonical(row: Row, k: int) -> str:
    return chain.event_canonical(row["call_id"], k, row["at"], row["kind"], row["detail"])


def _verify_call(call: dict[str, Any], events: list[Row], report: Report) -> None:
    call_id = call["id"]
    head = call["evidence_head"]
    if call["legacy"]:
        report.findings.append(Finding(LEGACY, "calls", call_id, "hashed after the fact"))

    def sealed_at(last_hash: str) -> bool:
        return head is not None and chain.call_head(last_hash, call) == head

    rows = [
        ChainRow(f"{call_id}:{row['seq']}", row["seq"], row["hash"], partial(_event_canonical, row))
        for row in events
    ]
    seed = chain.event_seed(call_id)
    walk = walk_chain(
        seed, rows, "call_events", sealed_at=sealed_at if head else None, prefix=f"{call_id}:"
    )
    report.findings.extend(walk.findings)
    if call["ended_at"] is None:
        report.findings.append(Finding(UNSEALED, "calls", call_id, "the call is still open"))
        return
    if head is None:
        report.findings.append(Finding(ALTERED, "calls", call_id, "ended without a seal"))
        return
    _check_seal(call_id, seed, walk, sealed_at, report)


def _check_seal(call_id: str, seed: str, walk: Walk, sealed_at: Any, report: Report) -> None:
    ends = [seed, *walk.hashes]
    if ends[-1] is not None and sealed_at(ends[-1]):
        return
    flagged = {f.id for f in walk.findings}
    for j in range(len(ends) - 2, -1, -1):
        end = ends[j]
        if end is not None and sealed_at(end):
            for later in walk.ids[j:]:
                if later and later not in flagged:
                    report.findings.append(
                        Finding(INSERTED, "call_events", later, "after the seal")
                    )
            return
    report.findings.append(
        Finding(
            ALTERED,
            "calls",
            call_id,
            "the seal does not match the call row and its events (a field changed, or events"
            " removed at the end)",
        )
    )


# -- opt-outs


async def _verify_optouts(db: Database, report: Report) -> Walk:
    walk = await _verify_table(db, report, "optouts", chain.OPTOUTS_SEED, chain.optout_canonical)
    legacy = await db.scalar("SELECT upto_seq FROM evidence_legacy WHERE chain = 'optouts'")
    if legacy:
        report.findings.append(
            Finding(LEGACY, "optouts", f"chain_seq 1..{legacy}", "hashed after the fact")
        )
    return walk


async def _verify_table(
    db: Database,
    report: Report,
    table: str,
    seed_name: str,
    canonical: Callable[[Mapping[str, Any]], str],
) -> Walk:
    """Recompute a table's chain (``optouts``, ``consents``) in ``chain_seq`` order."""
    rows = await db.fetchall(f"SELECT * FROM {table} ORDER BY chain_seq")  # noqa: S608
    report.counts[table] = len(rows)
    chained = []
    for row in rows:
        if row["chain_seq"] is None:
            report.findings.append(Finding(INSERTED, table, row["id"], "outside the chain"))
            continue
        text = canonical(dict(row))
        chained.append(ChainRow(row["id"], row["chain_seq"], row["hash"], partial(_same, text)))
    walk = walk_chain(chain.seed(seed_name), chained, table, unit="chain_seq", prefix="chain_seq ")
    report.findings.extend(walk.findings)
    head = await db.fetchone("SELECT seq, hash FROM chain_heads WHERE name = ?", (table,))
    _check_head(table, head, walk, report)
    return walk


def _same(text: str, _position: int) -> str:
    return text


def _check_head(name: str, head: Row | None, walk: Walk, report: Report) -> None:
    length = len(walk.hashes)
    if head is None:
        report.findings.append(Finding(MISSING, "chain_heads", name, "the chain's head row"))
        return
    seq = int(head["seq"])
    if seq > length:
        for n in range(length + 1, seq + 1):
            report.findings.append(Finding(MISSING, name, f"chain_seq {n}", "after the last row"))
    elif seq < length:
        report.findings.append(
            Finding(ALTERED, "chain_heads", name, f"head at {seq}, rows up to {length}")
        )
    elif length and walk.hashes[-1] is not None and walk.hashes[-1] != head["hash"]:
        report.findings.append(Finding(ALTERED, "chain_heads", name, "head hash"))


# -- seals (global order of sealed calls, purged ones included)


@dataclass(frozen=True, slots=True)
class _Seals:
    lines: dict[int, str]  # seal_seq -> "call_id:evidence_head"


async def _verify_seals(db: Database, calls: dict[str, dict[str, Any]], report: Report) -> _Seals:
    lines: dict[int, str] = {}
    for call in calls.values():
        if call["seal_seq"] is not None:
            lines[int(call["seal_seq"])] = chain.seal_line(call["id"], call["evidence_head"])
    for row in await db.fetchall("SELECT call_id, evidence_head, seal_seq FROM purged_calls"):
        if row["seal_seq"] is not None:
            lines[int(row["seal_seq"])] = chain.seal_line(row["call_id"], row["evidence_head"])
    head = await db.fetchone("SELECT seq, hash FROM chain_heads WHERE name = 'seals'")
    top = 0 if head is None else int(head["seq"])
    prev = chain.seed(chain.SEALS_SEED)
    for n in range(1, max(top, max(lines, default=0)) + 1):
        if n not in lines:
            report.findings.append(
                Finding(MISSING, "calls", f"seal_seq {n}", "a sealed call is gone (no tombstone)")
            )
            continue
        prev = chain.link(prev, lines[n])
        if n > top:
            report.findings.append(
                Finding(INSERTED, "calls", lines[n].split(":")[0], f"seal_seq {n} after the head")
            )
    if head is not None and all(n in lines for n in range(1, top + 1)) and prev != head["hash"]:
        report.findings.append(Finding(ALTERED, "chain_heads", "seals", "head hash"))
    return _Seals(lines)


# -- checkpoints


@dataclass(frozen=True, slots=True)
class _Data:
    optouts: Walk
    consents: Walk
    seals: _Seals


def _claims(checkpoint: Mapping[str, Any], data: _Data) -> list[str]:
    """What in the checkpoint the rows no longer give."""
    wrong = []
    lines = [
        line
        for n, line in data.seals.lines.items()
        if checkpoint["seal_from"] < n <= checkpoint["seal_to"]
    ]
    if chain.calls_root(lines) != checkpoint["calls_root"]:
        wrong.append(f"calls sealed in ({checkpoint['seal_from']}, {checkpoint['seal_to']}] differ")
    optouts_seq = int(checkpoint["optouts_seq"])
    if _chain_hash_at(data.optouts, optouts_seq, chain.OPTOUTS_SEED) != checkpoint["optouts_head"]:
        wrong.append(f"opt-outs up to chain_seq {optouts_seq} differ")
    consents_seq = int(checkpoint["consents_seq"])
    if (
        _chain_hash_at(data.consents, consents_seq, chain.CONSENTS_SEED)
        != checkpoint["consents_head"]
    ):
        wrong.append(f"consents up to chain_seq {consents_seq} differ")
    return wrong


def _chain_hash_at(walk: Walk, seq: int, seed_name: str) -> str | None:
    return chain.seed(seed_name) if seq == 0 else walk.proven_hash(seq)


def _verify_checkpoint_chain(
    checkpoints: Sequence[Mapping[str, Any]], data: _Data, report: Report, table: str
) -> None:
    prev = chain.seed(chain.CHECKPOINTS_SEED)
    seal_to = 0
    for n, checkpoint in enumerate(checkpoints, 1):
        ident = f"seq {checkpoint['seq']}"
        if checkpoint["seq"] != n:
            report.findings.append(Finding(MISSING, table, f"seq {n}", "a gap in the checkpoints"))
        problems = []
        if checkpoint["prev"] != prev:
            problems.append("prev is not the hash of the checkpoint before")
        if chain.checkpoint_hash(checkpoint["prev"], checkpoint) != checkpoint["hash"]:
            problems.append("does not match its hash")
        if checkpoint["seal_from"] != seal_to:
            problems.append(f"seal_from {checkpoint['seal_from']}, expected {seal_to}")
        problems += _claims(checkpoint, data)
        for problem in problems:
            report.findings.append(Finding(ALTERED, table, ident, problem))
        prev = str(checkpoint["hash"])
        seal_to = int(checkpoint["seal_to"])


def _compare_kept(
    kept: Sequence[Mapping[str, Any]],
    stored: Sequence[Mapping[str, Any]],
    data: _Data,
    report: Report,
) -> None:
    by_seq = {int(c["seq"]): c for c in stored}
    table = "kept checkpoints"
    _verify_checkpoint_chain(sorted(kept, key=lambda c: int(c["seq"])), data, report, table)
    for copy in kept:
        mine = by_seq.get(int(copy["seq"]))
        ident = f"seq {copy['seq']}"
        if mine is None:
            report.findings.append(
                Finding(MISSING, "evidence_checkpoints", ident, "kept elsewhere")
            )
            continue
        differing = [name for name in CHECKPOINT_NAMES if copy.get(name) != mine.get(name)]
        if differing:
            report.findings.append(
                Finding(ALTERED, "evidence_checkpoints", ident, "differs from the copy kept in: "
                        + ", ".join(differing))
            )  # fmt: skip


def _report_unsealed(
    checkpoints: Sequence[Mapping[str, Any]],
    calls: dict[str, dict[str, Any]],
    optouts: Walk,
    report: Report,
) -> None:
    last = checkpoints[-1] if checkpoints else None
    seal_to = 0 if last is None else int(last["seal_to"])
    optouts_seq = 0 if last is None else int(last["optouts_seq"])
    for call in calls.values():
        if call["seal_seq"] is not None and int(call["seal_seq"]) > seal_to:
            report.findings.append(
                Finding(UNSEALED, "calls", call["id"], "sealed after the last checkpoint")
            )
    if len(optouts.hashes) > optouts_seq:
        report.findings.append(
            Finding(
                UNSEALED,
                "optouts",
                f"chain_seq {optouts_seq + 1}..{len(optouts.hashes)}",
                "chained after the last checkpoint",
            )
        )


def read_kept_checkpoints(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Checkpoints as ``ivr evidence checkpoints`` printed them (JSONL)."""
    found = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON: {exc.msg}") from exc
        if not isinstance(value, dict) or any(name not in value for name in CHECKPOINT_NAMES):
            raise ValueError(
                f"line {number}: not a checkpoint (needs {', '.join(CHECKPOINT_NAMES)})"
            )
        found.append(value)
    return found
