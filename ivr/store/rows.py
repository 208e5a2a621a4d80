"""Rows <-> dataclasses, and the one text form of a time in the database.

Times are stored as UTC ISO 8601 with microseconds and ``+00:00``
(``2026-03-02T10:00:00.000000+00:00``): fixed width, so text order is time order.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ivr.domain import (
    SCOPE_ALL,
    CallEventKind,
    CallStart,
    NumberSource,
    OptOut,
    OptOutKind,
    OptOutRequest,
    OptOutSource,
    Outcome,
    Scope,
)
from ivr.store.database import Row
from ivr.store.records import CallEventRecord, CallRecord

OPTOUT_COLUMNS = (
    "id, number, advertiser, kind, scope, charities, source, agent, call_id, "
    "created_at, created_by, revokes, reason, requested_by"
)
OPTOUT_NAMES = tuple(name.strip() for name in OPTOUT_COLUMNS.split(","))
CALL_COLUMNS = (
    "id, channel_id, advertiser, campaign, agent, script, number, number_source, lang, "
    "profile, extra, started_at, ended_at, outcome, caller_number, software_version, "
    "profile_hash, asterisk, rights, evidence_complete, evidence_head, seal_seq"
)
EVENT_COLUMNS = "call_id, seq, at, kind, detail, hash"


def db_time(moment: datetime) -> str:
    if moment.tzinfo is UTC:  # the clock's own times: no conversion to make
        return moment.isoformat(timespec="microseconds")
    if moment.tzinfo is None:
        raise ValueError(f"a naive time cannot be stored: {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def py_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _opt_time(text: str | None) -> datetime | None:
    return None if text is None else py_time(text)


def encode_scope(scope: Scope | None) -> str | None:
    if scope is None:
        return None
    if isinstance(scope, str):
        if scope != SCOPE_ALL:
            raise ValueError(f"scope must be {SCOPE_ALL!r} or a list of categories, not {scope!r}")
        return json.dumps(SCOPE_ALL)
    return json.dumps(list(scope))


def decode_scope(text: str | None) -> Scope | None:
    if text is None:
        return None
    value = json.loads(text)
    return value if isinstance(value, str) else tuple(value)


def optout_params(optout_id: str, created_at: datetime, request: OptOutRequest) -> tuple[Any, ...]:
    """The values of one ``optouts`` insert, in :data:`OPTOUT_COLUMNS` order."""
    return (
        optout_id,
        request.number,
        request.advertiser,
        request.kind.value,
        encode_scope(request.scope),
        None if request.charities is None else int(request.charities),
        request.source.value,
        request.agent,
        request.call_id,
        db_time(created_at),
        request.created_by,
        request.revokes,
        request.reason,
        request.requested_by,
    )


def optout_from_values(values: Sequence[Any]) -> OptOut:
    """An opt-out from its values in :data:`OPTOUT_COLUMNS` order (as stored)."""
    (
        optout_id, number, advertiser, kind, scope, charities, source, agent, call_id,
        created_at, created_by, revokes, reason, requested_by, *_,
    ) = values  # fmt: skip
    return OptOut(
        id=optout_id,
        number=number,
        advertiser=advertiser,
        kind=OptOutKind(kind),
        scope=decode_scope(scope),
        charities=None if charities is None else bool(charities),
        source=OptOutSource(source),
        agent=agent,
        call_id=call_id,
        created_at=py_time(created_at),
        created_by=created_by,
        revokes=revokes,
        reason=reason,
        requested_by=requested_by,
    )


def optout_from_row(row: Row) -> OptOut:
    """An opt-out from a row that has its columns by name (in any order)."""
    return optout_from_values(_OPTOUT_VALUES(row))


_OPTOUT_VALUES = operator.itemgetter(*OPTOUT_NAMES)


def call_params(call: CallStart) -> tuple[Any, ...]:
    """The values of one ``calls`` insert, in :data:`CALL_COLUMNS` order."""
    return (
        call.id,
        call.channel_id,
        call.advertiser,
        call.campaign,
        call.agent,
        call.script,
        call.number,
        None if call.number_source is None else call.number_source.value,
        call.lang,
        call.profile,
        json.dumps(call.extra, ensure_ascii=False, sort_keys=True),
        db_time(call.started_at),
        None,
        None,
        call.caller_number,
        call.software_version,
        call.profile_hash,
        call.asterisk,
        None,
        1,
        None,
        None,
    )


def call_from_row(row: Row) -> CallRecord:
    source = row["number_source"]
    outcome = row["outcome"]
    return CallRecord(
        id=row["id"],
        channel_id=row["channel_id"],
        advertiser=row["advertiser"],
        campaign=row["campaign"],
        agent=row["agent"],
        script=row["script"],
        number=row["number"],
        number_source=None if source is None else NumberSource(source),
        lang=row["lang"],
        profile=row["profile"],
        extra=json.loads(row["extra"]),
        started_at=py_time(row["started_at"]),
        ended_at=_opt_time(row["ended_at"]),
        outcome=None if outcome is None else Outcome(outcome),
        caller_number=row["caller_number"],
        software_version=row["software_version"],
        profile_hash=row["profile_hash"],
        asterisk=row["asterisk"],
        rights=None if row["rights"] is None else json.loads(row["rights"]),
        evidence_complete=bool(row["evidence_complete"]),
        evidence_head=row["evidence_head"],
        seal_seq=row["seal_seq"],
    )


_DETAIL_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False, default=str
)


def encode_detail(detail: Mapping[str, Any]) -> str:
    """The stored text of a detail: its canonical JSON (hashed as it is, never re-encoded)."""
    return _DETAIL_ENCODER.encode(detail)


def event_from_row(row: Row) -> CallEventRecord:
    return CallEventRecord(
        call_id=row["call_id"],
        seq=row["seq"],
        at=py_time(row["at"]),
        kind=CallEventKind(row["kind"]),
        detail=json.loads(row["detail"]),
        hash=row["hash"],
    )
