"""The records of the IVR: calls, their evidence trail and the append-only opt-outs.

Writes go through the one :class:`~ivr.store.writer.Writer` (group commit); reads
use a separate connection (SQLite: a WAL reader; PostgreSQL: a pool), and each
stream (export, search) gets a connection of its own so that a long export never
holds back what other reads see.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import replace
from datetime import datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TypeVar

import structlog

from ivr.clock import Clock
from ivr.domain import (
    CallEventKind,
    CallStart,
    Consent,
    ConsentKind,
    ConsentRequest,
    NumberSource,
    OptOut,
    OptOutKind,
    OptOutRequest,
    OptOutSource,
    Outcome,
    same_entry,
    same_terms,
)
from ivr.store import consents, figures, idempotency, queries, scrub_results, trail, writes
from ivr.store.backend import Backend, open_backend
from ivr.store.database import Database, Row
from ivr.store.errors import ConsentNotFound, OptOutNotFound, StoreError
from ivr.store.figures import Figures
from ivr.store.idempotency import Claim
from ivr.store.ids import TimeOrderedIds, time_ordered_ids
from ivr.store.lease import Lease, take_lease
from ivr.store.location import Location, parse_location
from ivr.store.queries import LOOKUP_CHUNK
from ivr.store.records import CallEventRecord, CallRecord, ListedRow, ListedRows
from ivr.store.rows import (
    EVENT_COLUMNS,
    call_from_row,
    call_params,
    db_time,
    decode_scope,
    encode_detail,
    event_from_row,
    optout_from_row,
    optout_params,
)
from ivr.store.scrub_results import ScrubResult
from ivr.store.verify import Report, verify
from ivr.store.writer import Job, Writer

log = structlog.get_logger()

T = TypeVar("T")
R = TypeVar("R")

IMPORT_MAX_ROWS = 10_000
IMPORT_MAX_S = 0.05
"""An import's transactions: at most this many rows, or this many seconds."""
IMPORT_CHUNK = 5000
"""Opt-outs per transaction in :meth:`Store.import_optouts`."""

EVIDENCE_FLUSH_S = 0.1
"""An evidence row nobody awaits is committed with the next write, at the latest this long
after it was queued (docs/design.md 14.31); the seal, awaited, commits all of a call's rows."""

RowsVerdict = Callable[[Sequence[CallEventRecord]], Mapping[str, str]]
"""The rights verdict of a call from all of its evidence rows (the flow's pure function)."""


def _nothing() -> None:
    pass


async def _events_of(db: Database, call_id: str) -> list[CallEventRecord]:
    rows = await db.fetchall(
        f"SELECT {EVENT_COLUMNS} FROM call_events WHERE call_id = ? ORDER BY seq",  # noqa: S608
        (call_id,),
    )
    return [event_from_row(row) for row in rows]


async def _judge_and_seal(
    db: Database, arg: trail.SealParams, verdict: RowsVerdict
) -> tuple[dict[str, str], bool]:
    rights = dict(verdict(await _events_of(db, arg.call_id)))
    sealed = await trail.seal_call(db, replace(arg, rights=trail.rights_text(rights)))
    return rights, sealed


class Store:
    """The store on either backend (:mod:`ivr.store.sqlite_backend`,
    :mod:`ivr.store.pg.backend`): the same SQL, the same answers."""

    def __init__(self, backend: Backend, clock: Clock, writer: Writer) -> None:
        self._backend = backend
        self._lease: Lease | None = None
        self._clock = clock
        self._writer = writer
        self._reader = backend.reader
        self._incomplete: set[str] = set()
        self._optout_ids = TimeOrderedIds()
        self.evidence_healthy = True
        """False since an evidence write failed, until one succeeds (``/readyz``, docs/design.md
        14.7)."""
        self.on_evidence_failure: Callable[[], None] = _nothing
        """Called on each failed evidence write (the service counts it in its metrics)."""
        self.on_late_event: Callable[[], None] = _nothing
        """Called on each event that came after its call's seal (counted likewise)."""

    @classmethod
    async def open(
        cls,
        where: str | Path | Location,
        clock: Clock,
        *,
        busy_timeout_ms: int = 5000,
        group_commit: bool = True,
        pool_size: int = 10,
    ) -> Store:
        """Open (and create or migrate) the database; ``group_commit=False`` is for benchmarks.

        ``where`` is a path, ``sqlite:PATH`` or a ``postgresql://`` URL (``IVR_DB``).
        """
        backend = await open_backend(
            parse_location(where), clock, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size
        )
        writer = Writer(
            backend.writer_db, clock, group_commit=group_commit, flush_s=EVIDENCE_FLUSH_S
        )
        writer.start()
        return cls(backend, clock, writer)

    @property
    def location(self) -> Location:
        return self._backend.location

    async def close(self) -> None:
        """Finish every write already asked for, then close the connections."""
        await self._writer.close()
        await self._backend.close()
        if self._lease is not None:
            await self._lease.release()
            self._lease = None

    async def take_lease(self, asterisk_id: str) -> None:
        """Serve ``asterisk_id`` alone until :meth:`close` (docs/design.md 15.36); raises
        :class:`~ivr.store.lease.LeaseHeld` while another live process serves it."""
        if self._lease is None:
            self._lease = await take_lease(self.location, asterisk_id, self._clock)

    @property
    def has_lease(self) -> bool:
        return self._lease is not None

    # -- health

    @property
    def healthy(self) -> bool:
        """False since the last write failed, until one succeeds again."""
        return self._writer.healthy

    @property
    def last_error(self) -> str | None:
        return self._writer.last_error

    @property
    def commits(self) -> int:
        """Transactions the writer has committed (a batch is one)."""
        return self._writer.commits

    async def check_writable(self) -> bool:
        """A real write through the writer, and no evidence write failing (for ``/readyz``)."""
        try:
            await self._writer.submit(writes.probe, "probe")
        except StoreError:
            return False
        return self.evidence_healthy

    # -- calls and their evidence

    def start_call(self, call: CallStart) -> Awaitable[None]:
        """Queue the call's row now, ahead of every later write of the call; awaited, done
        once it is committed (a session answers before that, docs/call-flow.md), without a
        sync of its own: like the evidence, it is on disk with the next durable commit."""
        job = partial(writes.insert_call, params=call_params(call))
        return self._writer.submit(job, "call", durable=False)

    def set_call_number_nowait(self, call_id: str, number: str, source: NumberSource) -> None:
        """The number the call is about and where it came from, queued like an evidence row:
        it rides the next write (the opt-out that usually follows) or the flush; a failure
        is counted as an evidence write's (:meth:`add_event_nowait`)."""
        job = partial(writes.set_call_number, call_id=call_id, number=number, source=source.value)
        self._writer.submit_nowait(job, "call_number", partial(self._number_done, call_id))

    def _number_done(self, call_id: str, _: None, error: BaseException | None) -> None:
        if error is not None:
            self._event_done(call_id, "call_number", None, error)

    async def add_event(
        self,
        call_id: str,
        kind: CallEventKind,
        detail: Mapping[str, Any],
        at: datetime | None = None,
    ) -> None:
        """Append an event to the call's chain; durable when this returns.

        An event for a sealed call is not stored (``late_event``); a failure is
        raised, and counted as :meth:`add_event_nowait` counts it.
        """
        params = self._event(call_id, kind, detail, at)
        try:
            stored = await self._writer.submit_bulk(trail.EVENTS, params)
        except Exception as exc:
            self._event_done(call_id, kind.value, None, exc)
            raise
        self._event_done(call_id, kind.value, stored, None)

    def add_event_nowait(
        self,
        call_id: str,
        kind: CallEventKind,
        detail: Mapping[str, Any],
        at: datetime | None = None,
    ) -> None:
        """Queue an event, in order with every other write: it rides the next write of the
        process, or a flush at most :data:`EVIDENCE_FLUSH_S` later (no commit of its own).

        Nobody waits for it: a failure is logged and counted, turns ``/readyz`` red
        until an evidence write succeeds, and the call is sealed with
        ``evidence_complete = false`` (docs/design.md 14.7).
        """
        params = self._event(call_id, kind, detail, at)
        done = partial(self._event_done, call_id, kind.value)
        self._writer.submit_bulk_nowait(trail.EVENTS, params, done)

    def _event(
        self, call_id: str, kind: CallEventKind, detail: Mapping[str, Any], at: datetime | None
    ) -> trail.EventParams:
        moment = self._now() if at is None else db_time(at)
        return (call_id, moment, kind.value, encode_detail(detail))

    def _event_done(
        self, call_id: str, kind: str, stored: bool | None, error: BaseException | None
    ) -> None:
        if error is not None:
            self._incomplete.add(call_id)
            self.evidence_healthy = False
            log.error("store.evidence_write_failed", call_id=call_id, kind=kind, error=str(error))
            self.on_evidence_failure()
            return
        self.evidence_healthy = True
        if not stored:
            log.warning("late_event", call_id=call_id, kind=kind)
            self.on_late_event()

    async def seal_call(
        self,
        call_id: str,
        *,
        outcome: Outcome,
        rights: Mapping[str, str],
        evidence_complete: bool = True,
        ended_at: datetime | None = None,
    ) -> bool:
        """End the call: after every write already queued for it, append the ``rights``
        row and write the end-of-call update with ``evidence_head`` and ``seal_seq``.

        ``False`` when the call was sealed already (its first ending stays).  The
        call's ``evidence_complete`` is false when asked, when it was marked so,
        or when one of its evidence writes failed in this process.
        """
        seal = self._seal_params(
            call_id, outcome, trail.rights_text(rights), evidence_complete, ended_at
        )
        sealed = await self._submit_seal(seal, partial(trail.seal_call, arg=seal))
        if not sealed:
            log.info("store.call_already_sealed", call_id=call_id, outcome=outcome.value)
        return sealed

    async def seal_with_verdict(
        self,
        call_id: str,
        *,
        outcome: Outcome,
        verdict: RowsVerdict,
        evidence_complete: bool = True,
    ) -> tuple[dict[str, str], bool]:
        """:meth:`seal_call` with the rights ``verdict`` gives over all of the call's rows,
        read in the seal's own transaction (after every row queued before it): one commit,
        where writing the queued rows, reading them back and sealing took three steps.

        The rights, and ``False`` when the call was sealed already (its first ending stays).
        """
        seal = self._seal_params(call_id, outcome, None, evidence_complete)
        job = partial(_judge_and_seal, arg=seal, verdict=verdict)
        rights, sealed = await self._submit_seal(seal, job)
        if not sealed:
            log.info("store.call_already_sealed", call_id=call_id, outcome=outcome.value)
        return rights, sealed

    def _seal_params(
        self,
        call_id: str,
        outcome: Outcome,
        rights: str | None,
        evidence_complete: bool = True,
        ended_at: datetime | None = None,
    ) -> trail.SealParams:
        return trail.SealParams(
            call_id=call_id,
            outcome=outcome.value,
            rights=rights,
            evidence_complete=evidence_complete and call_id not in self._incomplete,
            ended_at=self._now() if ended_at is None else db_time(ended_at),
        )

    async def _submit_seal(self, seal: trail.SealParams, job: Job[T]) -> T:
        """A seal's job: its failure counts as a failed evidence write; once it is done the
        call's failed writes are forgotten (the seal carries them)."""
        try:
            result = await self._writer.submit(job, "seal")
        except Exception as exc:
            self._event_done(seal.call_id, CallEventKind.RIGHTS.value, None, exc)
            raise
        self._incomplete.discard(seal.call_id)
        self.evidence_healthy = True
        return result

    async def end_call(
        self, call_id: str, outcome: Outcome, ended_at: datetime | None = None
    ) -> None:
        """Seal the call without a verdict (``rights`` stays null); prefer :meth:`seal_call`."""
        seal = self._seal_params(call_id, outcome, None, ended_at=ended_at)
        if not await self._writer.submit(partial(trail.seal_call, arg=seal), "end_call"):
            log.info("store.call_already_ended", call_id=call_id, outcome=outcome.value)
        self._incomplete.discard(call_id)

    async def mark_incomplete(self, call_id: str) -> None:
        """``evidence_complete = false`` on an open call (e.g. resumed after a crash)."""
        job = partial(trail.mark_incomplete, call_id=call_id)
        await self._writer.submit(job, "incomplete", durable=False)

    # -- checkpoints (docs/design.md 14.11)

    async def write_checkpoint(self) -> dict[str, Any]:
        """Append a checkpoint over the calls sealed since the last one and the chain heads."""
        checkpoint: dict[str, Any] = await self._writer.submit(
            partial(trail.write_checkpoint, at=self._now()), "checkpoint"
        )
        log.info("store.checkpoint_written", seq=checkpoint["seq"], seal_to=checkpoint["seal_to"])
        return checkpoint

    async def checkpoints(self, since: int = 0) -> list[dict[str, Any]]:
        """The checkpoints with ``seq`` above ``since``, oldest first, as stored."""
        rows = await self._reader.fetchall(
            f"SELECT {trail.CHECKPOINT_COLUMNS} FROM evidence_checkpoints"  # noqa: S608
            " WHERE seq > ? ORDER BY seq",
            (since,),
        )
        return [dict(row) for row in rows]

    async def verify_evidence(
        self,
        *,
        call_id: str | None = None,
        kept_checkpoints: Sequence[Mapping[str, Any]] | None = None,
    ) -> Report:
        """Recompute every chain, seal and checkpoint on one snapshot (:mod:`ivr.store.verify`)."""
        async with self._backend.snapshot() as db:
            return await verify(db, call_id=call_id, kept_checkpoints=kept_checkpoints)

    async def export_call(self, call_id: str) -> list[dict[str, Any]]:
        """The call's row and its events exactly as stored (hashes included), the call first;
        empty when there is no such call."""
        async with self._backend.snapshot() as db:
            call = await db.fetchone("SELECT * FROM calls WHERE id = ?", (call_id,))
            if call is None:
                return []
            events = await db.fetchall(
                "SELECT * FROM call_events WHERE call_id = ? ORDER BY seq", (call_id,)
            )
            return [{"table": "calls", **dict(call)}] + [
                {"table": "call_events", **dict(row)} for row in events
            ]

    async def get_call(self, call_id: str) -> CallRecord | None:
        found = await self._calls(queries.calls().equal("id", call_id))
        return found[0] if found else None

    async def call_events(self, call_id: str) -> list[CallEventRecord]:
        """The call's events in ``seq`` order, each with its hash."""
        return await _events_of(self._reader, call_id)

    async def open_calls(self, asterisk: str | None = None) -> list[CallRecord]:
        """Calls without an outcome (to resynchronise after a restart); with ``asterisk``
        only that box's (and those of no box: rows written before boxes were named)."""
        return await self._calls(_of_box(queries.calls().cond("outcome IS NULL"), asterisk))

    async def calls_for_channel(
        self, channel_id: str, asterisk: str | None = None
    ) -> list[CallRecord]:
        """The calls of a channel, oldest first; with ``asterisk`` only that box's channel
        (a channel id is unique on one Asterisk, not across boxes)."""
        return await self._calls(_of_box(queries.calls().equal("channel_id", channel_id), asterisk))

    async def _calls(self, query: queries.Query) -> list[CallRecord]:
        return [call_from_row(row) for row in await self._reader.fetchall(query.sql, query.params)]

    async def search_calls(
        self,
        number: str | None = None,
        advertiser: str | None = None,
        campaign: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        *,
        caller_number: str | None = None,
        rights: Sequence[str] | None = None,
        chunk_size: int = 500,
    ) -> AsyncIterator[CallRecord]:
        """Calls started in ``[since, until)`` matching every filter given, oldest first.

        ``number`` (E.164) matches ``number`` or ``caller_number``, as does ``caller_number``
        (the number as typed); ``rights``: any right with any of these verdicts."""
        query = queries.call_search(
            number, advertiser, campaign, since, until, limit, caller_number, rights
        )
        async for row in self._stream(query, chunk_size):
            yield call_from_row(row)

    # -- opt-outs

    async def record_optout(self, request: OptOutRequest) -> OptOut:
        """Record an opt-out; it is committed (fsynced) when this returns.

        An IVR opt-out is recorded once per (call, kind): asking again returns the
        row already there.
        """
        if request.kind is OptOutKind.REVOCATION:
            raise ValueError("a revocation is made with revoke()")
        if request.source is OptOutSource.IVR and request.call_id is None:
            raise ValueError("an IVR opt-out needs its call_id")
        params = optout_params(self._optout_ids(), self._clock.now(), request)
        row = await self._writer.submit_bulk(writes.OPTOUTS, params)
        log.info(
            "store.optout_recorded",
            optout_id=row.id,
            kind=row.kind.value,
            advertiser=row.advertiser,
            number=row.number,
            call_id=row.call_id,
        )
        return row

    async def record_manual_optout(self, request: OptOutRequest) -> tuple[OptOut, bool]:
        """Record an agent's or another system's opt-out, unless an identical one is active
        (docs/design.md 14.21: a retried entry does not double the list); the row and whether it
        is new. Committed (fsynced) when this returns."""
        if request.source is OptOutSource.IVR or request.kind is OptOutKind.REVOCATION:
            raise ValueError("a manual opt-out is recorded here; IVR ones with record_optout()")
        params = optout_params(self._optout_ids(), self._clock.now(), request)
        job = partial(
            writes.insert_unless_active, params=params, same=partial(same_entry, request=request)
        )
        row, created = await self._writer.submit(job, "manual_optout")
        log.info(
            "store.optout_recorded" if created else "store.optout_already_active",
            optout_id=row.id,
            kind=row.kind.value,
            advertiser=row.advertiser,
            number=row.number,
        )
        return row, created

    async def optouts_for_call(self, call_id: str) -> list[OptOut]:
        return await self._optouts(queries.optouts().equal("call_id", call_id))

    async def get_optout(self, optout_id: str) -> OptOut | None:
        found = await self._optouts(queries.optouts().equal("id", optout_id))
        return found[0] if found else None

    async def active_optouts(
        self, number: str, advertiser: str | None = None, at: datetime | None = None
    ) -> list[OptOut]:
        """The opt-outs that count for ``number``: not revoked; with ``advertiser``, those of
        its suppression list (:data:`queries.SUPPRESSION_LIST`); with ``at``, as they stood
        at that moment."""
        return await self._optouts(queries.active_optouts([number], advertiser, at))

    async def active_optouts_many(
        self, numbers: Sequence[str], advertiser: str, at: datetime | None = None
    ) -> dict[str, list[OptOut]]:
        """:meth:`active_optouts` for many numbers at once; every number asked is a key."""
        found: dict[str, list[OptOut]] = {number: [] for number in numbers}
        unique = list(found)
        for start in range(0, len(unique), LOOKUP_CHUNK):
            chunk = unique[start : start + LOOKUP_CHUNK]
            for optout in await self._optouts(queries.active_optouts(chunk, advertiser, at)):
                found[optout.number].append(optout)
        return found

    async def suppression_list(self, advertiser: str) -> ListedRows:
        """``advertiser``'s whole suppression list in force, read once (a scrub's preload):
        the numbers of its own recht van verzet, and every other row as plain values."""
        numbers = self._reader.comma_joined.format("number")
        own = f"SELECT {numbers} FROM ({queries.OWN_OBJECTIONS}) AS own"  # noqa: S608

        async def other_rows() -> list[ListedRow]:
            found: list[ListedRow] = []
            async for rows in self._chunks(queries.LIST_BUT_OWN_OBJECTIONS, (advertiser,) * 2):
                found.extend(map(tuple, rows))
            return found

        # two connections, each query on its own thread (on SQLite without the GIL)
        joined, others = await asyncio.gather(self._reader.scalar(own, (advertiser,)), other_rows())
        return ListedRows(joined.split(",") if joined else [], others)

    async def optout_history(
        self, number: str, advertiser: str | None = None, at: datetime | None = None
    ) -> list[OptOut]:
        """Every row of ``number`` in ``advertiser``'s list, revoked ones and revocations too."""
        return await self._optouts(queries.optout_history(number, advertiser, at))

    async def iter_optouts(
        self,
        advertiser: str | None = None,
        number: str | None = None,
        since: datetime | None = None,
        kind: OptOutKind | None = None,
        include_revoked: bool = False,
        *,
        chunk_size: int = 500,
    ) -> AsyncGenerator[OptOut, None]:
        """Opt-outs in ``(created_at, id)`` order, streamed ``chunk_size`` rows at a time.

        With ``advertiser``, the rows of its suppression list (whoever recorded a register
        row). By default the active ones; ``include_revoked`` gives every row, revocations too.
        """
        query = queries.optout_listing(advertiser, number, since, kind, include_revoked)
        async for row in self._stream(query, chunk_size):
            yield optout_from_row(row)

    async def revoke(
        self,
        optout_id: str,
        reason: str,
        requested_by: str,
        created_by: str,
        source: OptOutSource,
    ) -> OptOut:
        """Cancel an opt-out at the consumer's explicit request with a revocation row.

        Raises :class:`OptOutNotFound` or :class:`AlreadyRevoked`.
        """
        target = await self.get_optout(optout_id)
        if target is None or target.kind is OptOutKind.REVOCATION:
            raise OptOutNotFound(optout_id)
        request = OptOutRequest(
            number=target.number,
            advertiser=target.advertiser,
            kind=OptOutKind.REVOCATION,
            source=source,
            created_by=created_by,
            revokes=optout_id,
            reason=reason,
            requested_by=requested_by,
        )
        params = optout_params(self._optout_ids(), self._clock.now(), request)
        job = partial(writes.revoke, optout_id=optout_id, params=params)
        row = await self._writer.submit(job, "revoke")
        log.info("store.optout_revoked", optout_id=optout_id, revocation_id=row.id)
        return row

    async def registrations_without_charities(self) -> int:
        """Totaal registrations stored before charities was required (read as true)."""
        return int(
            await self._reader.scalar(
                "SELECT count(*) FROM optouts WHERE kind = 'bel_me_niet'"
                " AND scope = '\"all\"' AND charities IS NULL"
            )
        )

    async def advertiser_known(self, advertiser: str) -> bool:
        """Whether the advertiser has opt-outs, consents or calls here."""
        return bool(
            await self._reader.scalar(
                "SELECT EXISTS (SELECT 1 FROM optouts WHERE advertiser = ?)"
                " OR EXISTS (SELECT 1 FROM calls WHERE advertiser = ?)"
                " OR EXISTS (SELECT 1 FROM consents WHERE advertiser = ?)",
                (advertiser, advertiser, advertiser),
            )
        )

    # -- consents

    async def record_consent(self, request: ConsentRequest) -> Consent:
        """Record a consent; committed (fsynced) when this returns. A consent identical to
        one stored (number, advertiser, scope, obtained_at) returns the stored row."""
        row, _created = await self.record_new_consent(request)
        return row

    async def record_new_consent(self, request: ConsentRequest) -> tuple[Consent, bool]:
        """:meth:`record_consent`, and whether the row is new."""
        consent_id = str(uuid.uuid4())
        params = consents.consent_params(consent_id, self._clock.now(), request)
        row = await self._writer.submit(partial(consents.insert_consent, values=params), "consent")
        created = row.id == consent_id
        log.info(
            "store.consent_recorded" if created else "store.consent_already_recorded",
            consent_id=row.id,
            advertiser=row.advertiser,
            number=row.number,
        )
        return row, created

    async def withdraw_consent(
        self,
        consent_id: str,
        reason: str,
        requested_by: str | None,
        created_by: str,
        call_id: str | None = None,
    ) -> Consent:
        """End a consent with a withdrawal row.

        Raises :class:`ConsentNotFound` or :class:`AlreadyWithdrawn`.
        """
        target = await self.get_consent(consent_id)
        if target is None or target.kind is not ConsentKind.CONSENT:
            raise ConsentNotFound(consent_id)
        params = consents.withdrawal_params(
            str(uuid.uuid4()),
            self._clock.now(),
            target,
            reason=reason,
            requested_by=requested_by,
            created_by=created_by,
            call_id=call_id,
        )
        job = partial(consents.withdraw, consent_id=consent_id, values=params)
        row = await self._writer.submit(job, "withdraw_consent")
        log.info("store.consent_withdrawn", consent_id=consent_id, withdrawal_id=row.id)
        return row

    async def get_consent(self, consent_id: str) -> Consent | None:
        query = consents.listing(None, None, None).equal("id", consent_id)
        rows = await self._reader.fetchall(query.sql, query.params)
        return consents.consent_from_row(rows[0]) if rows else None

    async def consents_of(self, number: str, advertiser: str) -> list[Consent]:
        """Every consent and withdrawal of ``number`` for ``advertiser``, in chain order."""
        return (await self.consents_many([number], advertiser))[number]

    async def consents_many(
        self, numbers: Sequence[str], advertiser: str
    ) -> dict[str, list[Consent]]:
        """:meth:`consents_of` for many numbers at once; every number asked is a key."""
        return await consents.by_number(self._reader, numbers, advertiser)

    async def active_consents(self, advertiser: str) -> dict[str, list[Consent]]:
        """The advertiser's consents not withdrawn, by number (a scrub preloads them)."""
        found: dict[str, list[Consent]] = {}
        async for row in self._stream(consents.active_of_advertiser(advertiser), 5000):
            consent = consents.consent_from_row(row)
            found.setdefault(consent.number, []).append(consent)
        return found

    async def iter_consents(
        self,
        advertiser: str | None = None,
        number: str | None = None,
        since: datetime | None = None,
        *,
        chunk_size: int = 500,
    ) -> AsyncIterator[Consent]:
        """Consents and withdrawals in chain order, streamed ``chunk_size`` rows at a time."""
        query = consents.listing(advertiser, number, None if since is None else db_time(since))
        async for row in self._stream(query, chunk_size):
            yield consents.consent_from_row(row)

    async def import_consents(
        self, requests: Iterable[ConsentRequest], progress: Callable[[int], None] | None = None
    ) -> int:
        """Load a list of consents as :meth:`_import_steps` says; how many rows were new (a
        consent already stored is skipped)."""
        created_at = self._clock.now()

        def params(request: ConsentRequest) -> tuple[Any, ...]:
            return consents.consent_params(str(uuid.uuid4()), created_at, request)

        return await self._import_steps(requests, params, consents.import_many, progress)

    async def import_optouts(
        self, requests: Iterable[OptOutRequest], progress: Callable[[int], None] | None = None
    ) -> int:
        """Load a list as :meth:`_import_steps` says; how many rows were new."""
        created_at = self._clock.now()

        def params(request: OptOutRequest) -> tuple[Any, ...]:
            if request.kind is OptOutKind.REVOCATION:
                raise ValueError("a revocation cannot be imported")
            return optout_params(self._optout_ids(), created_at, request)

        return await self._import_steps(requests, params, writes.insert_many, progress)

    async def _import_steps(
        self,
        requests: Iterable[R],
        params: Callable[[R], tuple[Any, ...]],
        many: _ImportMany,
        progress: Callable[[int], None] | None,
    ) -> int:
        """``many`` of the rows of ``requests``, :data:`IMPORT_CHUNK` per transaction, synced
        as :func:`_steps` says; the sum of what it returned. ``progress`` hears how many of
        ``requests`` are in after each step."""
        added = done = 0
        for chunk, last in _steps(requests, IMPORT_CHUNK):
            rows = [params(request) for request in chunk]
            added += await self._writer.submit(partial(many, rows=rows), "import", durable=last)
            done += len(chunk)
            if progress is not None:
                progress(done)
        return added

    async def import_numbers(
        self,
        template: OptOutRequest,
        numbers: Sequence[str],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Load a list: an opt-out like ``template`` for each of ``numbers`` (E.164), in
        transactions of at most :data:`IMPORT_MAX_ROWS` rows or :data:`IMPORT_MAX_S`
        seconds, so an IVR opt-out never waits long for the write lock (docs/design.md 15.41).
        The rows go in sorted by number, with time-ordered ids: each transaction then
        touches few index pages (two to three times faster than the file's order on a
        million rows). Each step commits without a sync to disk of its own except the
        steps of the last :data:`IMPORT_MAX_ROWS` numbers, whose sync puts every step
        before them on disk too: the count returned is durable (docs/design.md 14.31). A
        crash part-way leaves whole steps. How many rows were added."""
        if template.kind is OptOutKind.REVOCATION:
            raise ValueError("a revocation cannot be imported")
        numbers = sorted(numbers)
        values = optout_params("", self._clock.now(), template)
        ids = time_ordered_ids()
        done = 0
        last_steps = len(numbers) - IMPORT_MAX_ROWS
        while done < len(numbers):
            job = partial(
                writes.insert_imported,
                template=values,
                ids=ids,
                numbers=numbers[done : done + IMPORT_MAX_ROWS],
                limit_s=IMPORT_MAX_S,
            )
            done += await self._writer.submit(job, "import", durable=done >= last_steps)
            if progress is not None:
                progress(done)
        return done

    async def numbers_with_entry(self, template: OptOutRequest, numbers: Sequence[str]) -> set[str]:
        """Those of ``numbers`` that already have an opt-out in force saying what
        ``template`` says (:func:`ivr.domain.same_terms`): an import skips them. One read
        of the advertiser's rows of that kind (a look-up per number costs more: the
        planner takes the advertiser's index for it)."""
        wanted = set(numbers)
        alike: dict[tuple[str | None, int | None], bool] = {}
        present: set[str] = set()
        params = (template.advertiser, template.kind.value)
        async for rows in self._chunks(queries.ENTRIES_OF_ADVERTISER, params):
            for number, scope, charities in rows:
                terms = (scope, charities)
                if terms not in alike:
                    as_bool = None if charities is None else bool(charities)
                    alike[terms] = same_terms(decode_scope(scope), as_bool, template)
                if alike[terms] and number in wanted:
                    present.add(number)
        return present

    # -- idempotency keys of the write routes

    async def claim_idempotency_key(self, token_name: str, key: str, body_hash: str) -> Claim:
        """Claim ``key`` before the write it guards (see :mod:`ivr.store.idempotency`)."""
        now = self._clock.now()
        job = partial(
            idempotency.claim,
            token_name=token_name,
            key=key,
            body_hash=body_hash,
            now=db_time(now),
            expired_before=db_time(now - idempotency.KEPT),
            abandoned_before=db_time(now - idempotency.ABANDONED),
        )
        return await self._writer.submit(job, "idempotency_claim")

    async def complete_idempotency_key(
        self, token_name: str, key: str, status: int, answer: str
    ) -> None:
        """Keep the answer to replay for the next 24 hours."""
        job = partial(
            idempotency.complete, token_name=token_name, key=key, status=status, answer=answer
        )
        await self._writer.submit(job, "idempotency_complete")

    async def release_idempotency_key(self, token_name: str, key: str) -> None:
        """Forget a claim whose write did not succeed, so that a retry may run."""
        job = partial(idempotency.release, token_name=token_name, key=key)
        await self._writer.submit(job, "idempotency_release")

    # -- the web page: scrub results kept one hour, the overview's figures

    async def put_scrub_result(
        self, owner: str, advertiser: str, filename: str, body: bytes, stats: str
    ) -> str:
        """Keep a scrubbed file for :data:`scrub_results.KEPT`; its unguessable id."""
        now = self._clock.now()
        result_id = uuid.uuid4().hex
        row = (
            result_id,
            owner,
            advertiser,
            filename,
            body,
            stats,
            db_time(now),
            db_time(now + scrub_results.KEPT),
        )
        await self._writer.submit(
            partial(scrub_results.put, row=row, now=db_time(now)), "scrub_result"
        )
        return result_id

    async def scrub_result(self, result_id: str) -> ScrubResult | None:
        """A kept scrub result, or ``None`` once its hour has passed."""
        return await scrub_results.get(self._reader, result_id, self._now())

    async def figures(
        self, since: datetime, until: datetime, advertiser: str | None = None
    ) -> Figures:
        """Calls by outcome, opt-outs by kind, rights verdicts, failed prompts in a period."""
        return await figures.figures(self._reader, since, until, advertiser)

    # -- operations

    async def backup(self, target: Path) -> None:
        """A consistent copy of the database at ``target``, which appears only when complete
        (SQLite: its online backup; PostgreSQL: ``pg_dump -Fc``)."""
        await self._backend.backup(Path(target))
        log.info("store.backup_written", target=str(target))

    async def purge_evidence(
        self, older_than: datetime, keep: Mapping[str, datetime] | None = None
    ) -> int:
        """Remove calls that ended before ``older_than`` and their events, except the calls
        an opt-out in force points to; each leaves a ``purged_calls`` tombstone (never
        opt-outs); how many calls. ``keep`` gives profiles whose calls are kept until an
        earlier cut-off (``us-tcpa``: 5 years)."""
        pairs = [(name, db_time(cut)) for name, cut in (keep or {}).items() if cut < older_than]
        job = partial(
            writes.purge_evidence, before=db_time(older_than), purged_at=self._now(), keep=pairs
        )
        removed = await self._writer.submit(job, "purge")
        log.info("store.evidence_purged", calls=removed, older_than=db_time(older_than))
        return removed

    # -- helpers

    def _now(self) -> str:
        return db_time(self._clock.now())

    async def _optouts(self, query: queries.Query) -> list[OptOut]:
        rows = await self._reader.fetchall(query.sql, query.params)
        return [optout_from_row(row) for row in rows]

    async def _chunks(
        self, sql: str, params: Sequence[Any], chunk_size: int = 20_000
    ) -> AsyncIterator[list[Row]]:
        async with self._backend.streaming() as db:
            async for rows in db.chunks(sql, params, chunk_size=chunk_size):
                yield rows

    async def _stream(self, query: queries.Query, chunk_size: int) -> AsyncIterator[Row]:
        async with self._backend.streaming() as db:
            async for row in db.stream(query.sql, query.params, chunk_size=chunk_size):
                yield row


class _ImportMany(Protocol):
    """A step of an import: how many of ``rows`` were new."""

    def __call__(self, db: Database, rows: Sequence[tuple[Any, ...]]) -> Awaitable[int]: ...


def _steps(items: Iterable[T], size: int) -> Iterator[tuple[list[T], bool]]:
    """``items`` in lists of ``size``, each with whether it is the last. An import's steps
    commit without a sync to disk of their own but the last, whose sync puts every step
    before it on disk too: the count the import returns is durable (docs/design.md 14.31),
    and a crash part-way leaves whole steps."""
    pending = iter(items)
    chunk = list(islice(pending, size))
    while chunk:
        following = list(islice(pending, size))
        yield chunk, not following
        chunk = following


def _of_box(query: queries.Query, asterisk: str | None) -> queries.Query:
    if asterisk is None:
        return query
    return query.cond("(asterisk = ? OR asterisk IS NULL)", asterisk)
