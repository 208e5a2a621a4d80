"""Opt-outs and register submissions as CSV, JSON lines or a JSON array, streamed.

CSV cells that a spreadsheet would run as a formula (starting with ``=``,
``+`` unless an E.164 number, ``-``, ``@``, tab or CR) get a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from ivr.api.schemas import ConsentEntry, OptOutEntry, SubmissionOut, scope_out
from ivr.domain import Consent, OptOut, Scope
from ivr.rules.suppression import charities_answer
from ivr.suppressions import seen_by

OPTOUT_COLUMNS = (
    "number",
    "advertiser",
    "kind",
    "scope",
    "charities",
    "source",
    "agent",
    "call_id",
    "created_at",
    "id",
    "revokes",
    "reason",
    "requested_by",
)
"""The nine columns of docs/design.md 7, then those that match a revocation to its opt-out
(appended, so readers of the first nine keep working)."""
CONSENT_COLUMNS = (
    "id", "number", "advertiser", "kind", "scope", "channel", "obtained_at", "proof_ref",
    "verified_at", "expires_at", "withdraws", "reason", "requested_by", "call_id",
    "created_at", "created_by",
)  # fmt: skip
"""docs/design.md 14.24, in this order."""
R = TypeVar("R")
SUBMISSION_COLUMNS = ("number", "scope", "charities", "created_at", "call_id")
BATCH_ROWS = 1000

_E164 = re.compile(r"\+[1-9]\d{1,14}")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    JSON = "json"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.JSONL: "application/x-ndjson",
    ExportFormat.JSON: "application/json",
}


def csv_safe(cell: str) -> str:
    if cell.startswith(_FORMULA_START) and not _E164.fullmatch(cell):
        return "'" + cell
    return cell


def scope_cell(scope: Scope | None) -> str:
    if scope is None:
        return ""
    return scope if isinstance(scope, str) else "|".join(scope)


def bool_cell(value: bool | None) -> str:
    return "" if value is None else "true" if value else "false"


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def optout_cells(row: OptOut) -> list[str]:
    return [
        row.number,
        row.advertiser,
        row.kind.value,
        scope_cell(row.scope),
        bool_cell(row.charities),
        row.source.value,
        row.agent or "",
        row.call_id or "",
        _moment(row.created_at),
        row.id,
        row.revokes or "",
        row.reason or "",
        row.requested_by or "",
    ]


def submission_cells(row: OptOut) -> list[str]:
    return [
        row.number,
        scope_cell(row.scope),
        bool_cell(charities_answer(row)),
        _moment(row.created_at),
        row.call_id or "",
    ]


def optout_json(row: OptOut) -> str:
    return OptOutEntry.of(row).model_dump_json()


def submission_json(row: OptOut) -> str:
    return SubmissionOut(
        number=row.number,
        scope=scope_out(row.scope),
        charities=charities_answer(row),
        created_at=row.created_at,
        call_id=row.call_id,
    ).model_dump_json()


async def seen_by_viewer(rows: AsyncIterator[OptOut], viewer: str | None) -> AsyncIterator[OptOut]:
    """The rows as a token bound to ``viewer`` may see them (:func:`seen_by`)."""
    async for row in rows:
        yield seen_by(row, viewer)


async def optout_lines(rows: AsyncIterator[OptOut], fmt: ExportFormat) -> AsyncIterator[str]:
    async for piece in _lines(rows, fmt, OPTOUT_COLUMNS, optout_cells, optout_json):
        yield piece


async def submission_lines(rows: AsyncIterator[OptOut], fmt: ExportFormat) -> AsyncIterator[str]:
    async for piece in _lines(rows, fmt, SUBMISSION_COLUMNS, submission_cells, submission_json):
        yield piece


def consent_cells(row: Consent) -> list[str]:
    return [
        row.id,
        row.number,
        row.advertiser,
        row.kind.value,
        scope_cell(row.scope),
        "" if row.channel is None else row.channel.value,
        _opt_moment(row.obtained_at),
        row.proof_ref or "",
        _opt_moment(row.verified_at),
        _opt_moment(row.expires_at),
        row.withdraws or "",
        row.reason or "",
        row.requested_by or "",
        row.call_id or "",
        _moment(row.created_at),
        row.created_by,
    ]


def _opt_moment(moment: datetime | None) -> str:
    return "" if moment is None else _moment(moment)


def consent_json(row: Consent) -> str:
    return ConsentEntry.of(row).model_dump_json()


async def consent_lines(rows: AsyncIterator[Consent], fmt: ExportFormat) -> AsyncIterator[str]:
    async for piece in _lines(rows, fmt, CONSENT_COLUMNS, consent_cells, consent_json):
        yield piece


async def _lines(
    rows: AsyncIterator[R],
    fmt: ExportFormat,
    columns: Sequence[str],
    cells: Callable[[R], list[str]],
    as_json: Callable[[R], str],
) -> AsyncIterator[str]:
    """Pieces of at most :data:`BATCH_ROWS` rows each: never the whole export in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    first = True
    if fmt is ExportFormat.CSV:
        writer.writerow(columns)
    elif fmt is ExportFormat.JSON:
        buffer.write("[")
    pending = 0
    async for row in rows:
        if fmt is ExportFormat.CSV:
            writer.writerow([csv_safe(cell) for cell in cells(row)])
        elif fmt is ExportFormat.JSONL:
            buffer.write(as_json(row) + "\n")
        else:
            buffer.write(("" if first else ",\n") + as_json(row))
        first = False
        pending += 1
        if pending >= BATCH_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if fmt is ExportFormat.JSON:
        buffer.write("]\n")
    yield buffer.getvalue()
