"""The ``consents`` table (docs/design.md 11.2, 14.24, 15.35): rows, chain and writer jobs.

Append-only, one hash chain over the table in ``chain_seq`` order from
``H("ivr-consents-v1")``; the head is read and advanced in the writer's
transaction, as for opt-outs. A recht van verzet (or a do-not-call request)
withdraws every active consent of its number and advertiser in the
transaction that records it (:func:`withdraw_for_objections`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from ivr.domain import OBJECTIONS, Consent, ConsentChannel, ConsentKind, ConsentRequest, OptOut
from ivr.store import chain, trail
from ivr.store.database import Database, Row, in_savepoint
from ivr.store.errors import AlreadyWithdrawn, ConsentNotFound
from ivr.store.queries import LOOKUP_CHUNK, Query
from ivr.store.rows import db_time, decode_scope, encode_scope, py_time

CONSENTS_V1 = (
    "id", "number", "advertiser", "scope", "channel", "obtained_at", "proof_ref", "verified_at",
    "expires_at", "created_at", "created_by", "kind", "withdraws", "reason", "requested_by",
    "call_id",
)  # fmt: skip
"""The fields a consent's hash covers, in the order of docs/design.md 11.2 and 14.24 (frozen)."""
CONSENT_COLUMNS = ", ".join(CONSENTS_V1)
_TIMES = ("obtained_at", "verified_at", "expires_at", "created_at")
_SELECT = f"SELECT {CONSENT_COLUMNS} FROM consents"  # noqa: S608
NOT_WITHDRAWN = (
    "kind = 'consent' AND NOT EXISTS (SELECT 1 FROM consents w WHERE w.withdraws = consents.id)"
)

Params = tuple[Any, ...]
_IDENTITY = tuple(
    CONSENTS_V1.index(name) for name in ("number", "advertiser", "scope", "obtained_at")
)
_KIND = CONSENTS_V1.index("kind")


def consent_params(consent_id: str, created_at: datetime, request: ConsentRequest) -> Params:
    """The values of one consent, in :data:`CONSENTS_V1` order."""
    return (
        consent_id,
        request.number,
        request.advertiser,
        encode_scope(request.scope),
        request.channel.value,
        db_time(request.obtained_at),
        request.proof_ref,
        _opt_db_time(request.verified_at),
        _opt_db_time(request.expires_at),
        db_time(created_at),
        request.created_by,
        ConsentKind.CONSENT.value,
        None,
        None,
        None,
        None,
    )


def withdrawal_params(
    withdrawal_id: str,
    created_at: datetime,
    target: Consent,
    *,
    reason: str,
    requested_by: str | None,
    created_by: str,
    call_id: str | None = None,
) -> Params:
    return (
        withdrawal_id,
        target.number,
        target.advertiser,
        None,
        None,
        None,
        None,
        None,
        None,
        db_time(created_at),
        created_by,
        ConsentKind.WITHDRAWAL.value,
        target.id,
        reason,
        requested_by,
        call_id,
    )


def consent_from_row(row: Row | Mapping[str, Any]) -> Consent:
    channel = row["channel"]
    return Consent(
        id=row["id"],
        number=row["number"],
        advertiser=row["advertiser"],
        kind=ConsentKind(row["kind"]),
        scope=decode_scope(row["scope"]),
        channel=None if channel is None else ConsentChannel(channel),
        obtained_at=_opt_py_time(row["obtained_at"]),
        proof_ref=row["proof_ref"],
        verified_at=_opt_py_time(row["verified_at"]),
        expires_at=_opt_py_time(row["expires_at"]),
        created_at=py_time(row["created_at"]),
        created_by=row["created_by"],
        withdraws=row["withdraws"],
        reason=row["reason"],
        requested_by=row["requested_by"],
        call_id=row["call_id"],
    )


def consent_canonical(row: Mapping[str, Any]) -> str:
    """``consents_v1`` of a row as stored (scope JSON text, times as text)."""
    fields: dict[str, Any] = {name: row.get(name) for name in CONSENTS_V1}
    fields["scope"] = chain.json_value(fields["scope"])
    for name in _TIMES:
        fields[name] = chain.hash_time(fields[name])
    return chain.canonical(fields)


# -- writer jobs (each runs inside the writer's transaction)


async def insert_chained(db: Database, rows: Sequence[Params]) -> list[Consent]:
    """Insert ``rows`` at the head of the consents chain; the new rows, in order.

    A consent identical to one already stored (number, advertiser, scope,
    obtained_at) is not inserted again: the stored one is returned in its place.
    """
    fresh: list[Params] = []
    found: list[Consent | int] = []
    for values in rows:
        existing = await _same_consent(db, values) if values[_KIND] == "consent" else None
        if existing is not None:
            found.append(existing)
        else:
            found.append(len(fresh))
            fresh.append(values)
    inserted = await _chain_and_insert(db, fresh)
    return [inserted[item] if isinstance(item, int) else item for item in found]


async def _same_consent(db: Database, values: Params) -> Consent | None:
    row = await db.fetchone(
        _SELECT + " WHERE kind = 'consent' AND number = ? AND advertiser = ? AND scope = ?"
        " AND obtained_at = ?",
        _identity(values),
    )
    return None if row is None else consent_from_row(row)


async def _chain_and_insert(db: Database, rows: Sequence[Params]) -> list[Consent]:
    await trail.insert_chained(db, "consents", CONSENTS_V1, rows, _values_canonical)
    return [consent_from_row(dict(zip(CONSENTS_V1, values, strict=True))) for values in rows]


def _values_canonical(values: Sequence[Any]) -> str:
    return consent_canonical(dict(zip(CONSENTS_V1, values, strict=True)))


async def insert_consent(db: Database, values: Params) -> Consent:
    (consent,) = await insert_chained(db, [values])
    return consent


async def withdraw(db: Database, consent_id: str, values: Params) -> Consent:
    """Insert the withdrawal row ``values`` of ``consent_id``."""
    target = await db.fetchone(
        "SELECT c.kind, w.id AS withdrawn_by FROM consents c"
        " LEFT JOIN consents w ON w.withdraws = c.id WHERE c.id = ?",
        (consent_id,),
    )
    if target is None or target["kind"] != ConsentKind.CONSENT.value:
        raise ConsentNotFound(consent_id)
    if target["withdrawn_by"] is not None:
        raise AlreadyWithdrawn(consent_id)
    (row,) = await _chain_and_insert(db, [values])
    return row


# -- reads


def _consents() -> Query:
    return Query("consents", CONSENT_COLUMNS, "chain_seq")


def of_numbers(numbers: Sequence[str], advertiser: str) -> Query:
    """Every consent and withdrawal of ``numbers`` for ``advertiser``."""
    marks = ", ".join("?" for _ in numbers)
    return _consents().cond(f"number IN ({marks})", *numbers).equal("advertiser", advertiser)


def active_of_advertiser(advertiser: str) -> Query:
    return _consents().equal("advertiser", advertiser).cond(NOT_WITHDRAWN)


def listing(advertiser: str | None, number: str | None, since: str | None) -> Query:
    query = _consents().equal("advertiser", advertiser).equal("number", number)
    if since is not None:
        query.cond("created_at >= ?", since)
    return query


async def withdraw_for_objections(
    db: Database, optouts: Sequence[OptOut], new_id: Any
) -> list[Consent]:
    """For each recht van verzet or do-not-call request among ``optouts``: a withdrawal
    of every active consent of its number and advertiser (reason ``<kind>:<opt-out id>``).

    ``new_id()`` gives the withdrawals' ids. The active consents of all the objections'
    numbers are read with :func:`by_number`, once per advertiser.
    """
    objections = [optout for optout in optouts if optout.kind in OBJECTIONS]
    active = await _active_of(db, objections)
    withdrawals: list[Params] = []
    for optout in objections:
        for consent in active.get((optout.number, optout.advertiser), ()):
            withdrawals.append(
                withdrawal_params(
                    new_id(),
                    optout.created_at,
                    consent,
                    reason=f"{optout.kind.value}:{optout.id}",
                    requested_by="consumer",
                    created_by=optout.created_by,
                    call_id=optout.call_id,
                )
            )
    return await _chain_and_insert(db, withdrawals)


async def by_number(
    db: Database, numbers: Sequence[str], advertiser: str, *, active: bool = False
) -> dict[str, list[Consent]]:
    """The consents and withdrawals of ``numbers`` for ``advertiser`` (with ``active``, only
    the consents not withdrawn) by number, in chain order; every number asked is a key.
    One query per :data:`~ivr.store.queries.LOOKUP_CHUNK` numbers."""
    found: dict[str, list[Consent]] = {number: [] for number in numbers}
    unique = list(found)
    for start in range(0, len(unique), LOOKUP_CHUNK):
        query = of_numbers(unique[start : start + LOOKUP_CHUNK], advertiser)
        if active:
            query = query.cond(NOT_WITHDRAWN)
        for row in await db.fetchall(query.sql, query.params):
            found[row["number"]].append(consent_from_row(row))
    return found


async def _active_of(
    db: Database, optouts: Sequence[OptOut]
) -> dict[tuple[str, str], list[Consent]]:
    """The active consents of the opt-outs' (number, advertiser) pairs, in chain order."""
    numbers: dict[str, list[str]] = {}
    for optout in optouts:
        numbers.setdefault(optout.advertiser, []).append(optout.number)
    found: dict[tuple[str, str], list[Consent]] = {}
    for advertiser, wanted in numbers.items():
        for number, active in (await by_number(db, wanted, advertiser, active=True)).items():
            found[number, advertiser] = active
    return found


async def import_many(db: Database, rows: Sequence[Params]) -> int:
    """All of ``rows`` or none (a savepoint); how many were new (duplicates are skipped)."""
    kept = _unique(rows)
    found = await in_savepoint(db, "import_consents", partial(insert_chained, db, kept))
    return sum(1 for consent, values in zip(found, kept, strict=True) if consent.id == values[0])


def _unique(rows: Sequence[Params]) -> list[Params]:
    """Rows of one file that repeat an earlier row are left out."""
    seen: set[Params] = set()
    kept = []
    for values in rows:
        key = _identity(values)
        if key not in seen:
            seen.add(key)
            kept.append(values)
    return kept


def _identity(values: Params) -> Params:
    """What makes two consents the same: number, advertiser, scope, obtained_at."""
    return tuple(values[i] for i in _IDENTITY)


def _opt_db_time(moment: datetime | None) -> str | None:
    return None if moment is None else db_time(moment)


def _opt_py_time(text: str | None) -> datetime | None:
    return None if text is None else py_time(text)
