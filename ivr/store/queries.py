"""The read side's SQL, built from optional filters (values always as parameters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ivr.domain import OptOutKind
from ivr.store.rows import CALL_COLUMNS, OPTOUT_COLUMNS, db_time

LOOKUP_CHUNK = 500
"""Numbers per ``IN (…)`` query of a look-up of many numbers at once."""

NOT_REVOKED = (
    "kind != 'revocation' AND NOT EXISTS (SELECT 1 FROM optouts r WHERE r.revokes = optouts.id)"
)
NOT_REVOKED_AT = (
    "kind != 'revocation' AND NOT EXISTS"
    " (SELECT 1 FROM optouts r WHERE r.revokes = optouts.id AND r.created_at <= ?)"
)
SUPPRESSION_LIST = (
    "(kind = 'bel_me_niet' OR advertiser = ? OR (kind = 'revocation' AND EXISTS"
    " (SELECT 1 FROM optouts t WHERE t.id = optouts.revokes AND t.kind = 'bel_me_niet')))"
)
"""An advertiser's suppression list (docs/design.md 10.1), the one definition every reader uses:
its own rows (a revocation carries the advertiser of what it revokes), every Bel-me-niet
registration whoever recorded it, and the revocations of those."""


OWN_OBJECTIONS = (
    "SELECT number FROM optouts WHERE advertiser = ? AND kind = 'recht_van_verzet'"  # noqa: S608
    f" AND {NOT_REVOKED}"
)
"""The numbers of an advertiser's own recht van verzet in force: most of its list, and the
part no category, charities answer or grace period changes (:data:`LIST_BUT_OWN_OBJECTIONS`
holds the rest)."""
LIST_BUT_OWN_OBJECTIONS = (
    "SELECT number, kind, advertiser, scope, charities, created_at FROM optouts"  # noqa: S608
    " WHERE NOT (kind = 'recht_van_verzet' AND advertiser = ?)"
    f" AND {SUPPRESSION_LIST} AND {NOT_REVOKED}"
)
"""Every other row in force of an advertiser's suppression list (its ``?`` twice). The own
objections are ruled out first, before a revocation is looked for."""


ENTRIES_OF_ADVERTISER = (
    "SELECT number, scope, charities FROM optouts WHERE advertiser = ? AND kind = ?"  # noqa: S608
    f" AND {NOT_REVOKED}"
)
"""An advertiser's opt-outs in force of one kind, as little as an import compares."""


@dataclass(slots=True)
class Query:
    table: str
    columns: str
    order: str
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    limit: int | None = None

    def equal(self, column: str, value: Any) -> Query:
        if value is not None:
            self.where.append(f"{column} = ?")
            self.params.append(value)
        return self

    def cond(self, clause: str, *params: Any) -> Query:
        self.where.append(clause)
        self.params.extend(params)
        return self

    @property
    def sql(self) -> str:
        # Only this module's constant clauses go into the text; every value is a parameter.
        text = f"SELECT {self.columns} FROM {self.table}"  # noqa: S608
        if self.where:
            text += " WHERE " + " AND ".join(self.where)
        text += f" ORDER BY {self.order}"
        if self.limit is not None:
            text += f" LIMIT {int(self.limit)}"
        return text


def optouts() -> Query:
    return Query("optouts", OPTOUT_COLUMNS, "created_at, id")


def calls() -> Query:
    return Query("calls", CALL_COLUMNS, "started_at, id")


def suppression_list(query: Query, advertiser: str | None) -> Query:
    """Narrow ``query`` to ``advertiser``'s suppression list; ``None`` keeps every row."""
    return query if advertiser is None else query.cond(SUPPRESSION_LIST, advertiser)


def optout_listing(
    advertiser: str | None,
    number: str | None,
    since: datetime | None,
    kind: OptOutKind | None,
    include_revoked: bool,
) -> Query:
    query = suppression_list(optouts(), advertiser).equal("number", number)
    query.equal("kind", None if kind is None else kind.value)
    if since is not None:
        query.cond("created_at >= ?", db_time(since))
    if not include_revoked:
        query.cond(NOT_REVOKED)
    return query


def active_optouts(
    numbers: Sequence[str], advertiser: str | None, at: datetime | None = None
) -> Query:
    """Opt-outs that count for ``advertiser``'s list; with ``at``, as they stood then:
    created at or before it, and not revoked by a revocation created at or before it."""
    marks = ", ".join("?" for _ in numbers)
    query = suppression_list(optouts(), advertiser).cond(f"number IN ({marks})", *numbers)
    if at is None:
        return query.cond(NOT_REVOKED)
    moment = db_time(at)
    return query.cond("created_at <= ?", moment).cond(NOT_REVOKED_AT, moment)


def optout_history(number: str, advertiser: str | None, at: datetime | None = None) -> Query:
    """Every row of ``number`` in ``advertiser``'s list (revoked ones and revocations too)."""
    query = suppression_list(optouts(), advertiser).equal("number", number)
    return query if at is None else query.cond("created_at <= ?", db_time(at))


def call_search(
    number: str | None,
    advertiser: str | None,
    campaign: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
    caller_number: str | None = None,
    rights: Sequence[str] | None = None,
) -> Query:
    query = calls().equal("advertiser", advertiser).equal("campaign", campaign)
    typed = [value for value in (number, caller_number) if value is not None]
    if typed:
        marks = ", ".join("?" for _ in typed)
        if number is not None:
            query.cond(f"(number = ? OR caller_number IN ({marks}))", number, *typed)
        else:
            query.cond(f"caller_number IN ({marks})", *typed)
    if rights:
        # rights is canonical JSON text ({"right":"verdict",…}): a verdict is a value exactly
        # where it follows a colon, on every backend (no JSON functions needed)
        query.cond(
            "(" + " OR ".join("calls.rights LIKE ?" for _ in rights) + ")",
            *(f'%:"{verdict}"%' for verdict in rights),
        )
    if since is not None:
        query.cond("started_at >= ?", db_time(since))
    if until is not None:
        query.cond("started_at < ?", db_time(until))
    query.limit = limit
    return query
