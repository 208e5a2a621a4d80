"""An advertiser's suppression list read once, for a whole call file (docs/design.md 15.41).

The rows are those of the one definition (:data:`ivr.store.queries.SUPPRESSION_LIST`,
revocations applied), and every verdict comes from the one set of rules
(:func:`ivr.rules.suppression.suppression_reasons`). What is saved is the work per
number: numbers whose rows say the same to the rules share one verdict, so the rules
run once per kind of list entry instead of once per number, and most of a list (the
advertiser's own recht van verzet, which no category, charities answer or grace period
changes) is a plain set of numbers.

Under an opt-in regime the advertiser's consents are read once as well (docs/design.md 14.18,
15.41), and a number without one is suppressed (``no_consent``, :class:`Permission`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from ivr import gc_pause
from ivr.domain import Consent, OptOut, OptOutKind, OptOutSource
from ivr.rules.maycall import Regime, consent_reasons
from ivr.rules.reasons import Reason
from ivr.rules.suppression import REGISTER_GRACE_PERIOD, is_suppressed, suppression_reasons
from ivr.store import Store
from ivr.store.records import ListedRows
from ivr.store.rows import db_time, decode_scope

Entry = tuple[str, str, str | None, int | None, bool]
"""What the rules can read of one row: kind, advertiser, scope (JSON text), charities and
whether it is younger than the register's grace period at the moment decided."""


@dataclass(frozen=True, slots=True)
class Verdict:
    suppressed: bool
    reasons: tuple[Reason, ...]
    codes: tuple[str, ...]


class SuppressionList:
    def __init__(
        self,
        objections: set[str],
        objected: Verdict,
        others: dict[str, Verdict],
        permission: Permission | None = None,
    ) -> None:
        self.objections = objections
        """The numbers whose only rows in the list are the advertiser's own recht van verzet
        or that have such a row among others (most of a list: a set is the cheapest to
        build and to ask)."""
        self.objected = objected
        """The verdict on a number of :attr:`objections` without other rows."""
        self.others = others
        """The verdicts on the numbers with other rows (their own objection counted in)."""
        self._permission = permission

    @property
    def verdict(self) -> Callable[[str], Verdict | None]:
        """The verdict on a number (E.164); ``None``: nothing keeps it from being called.
        (A property, not an attribute holding the bound method: that would be a cycle, and
        the whole list would wait for the garbage collector instead of going at once.)"""
        return self._listed if self._permission is None else self._with_permission

    def suppressed(self, numbers: Sequence[str | None]) -> list[bool]:
        """Whether each of ``numbers`` (E.164, ``None``: not a number) is suppressed, as
        :attr:`verdict` says, with a set look-up or two a number instead of a call."""
        if self._permission is not None:
            verdict = self.verdict
            return [n is not None and _suppressed(verdict(n)) for n in numbers]
        held, cleared = self._others_by_answer
        if not self.objected.suppressed:
            return [n in held for n in numbers]
        objections = self.objections
        if not cleared:
            return [n in objections or n in held for n in numbers]
        return [(n in objections and n not in cleared) or n in held for n in numbers]

    @cached_property
    def _others_by_answer(self) -> tuple[frozenset[str], frozenset[str]]:
        """:attr:`others` split: the suppressed numbers, and the others."""
        held = frozenset(n for n, found in self.others.items() if found.suppressed)
        return held, frozenset(self.others.keys() - held)

    def with_permission(self, permission: Permission) -> SuppressionList:
        """This list under an opt-in regime's consent rule."""
        return SuppressionList(self.objections, self.objected, self.others, permission)

    def reasons(self, number: str) -> tuple[Reason, ...]:
        found = self.verdict(number)
        return () if found is None else found.reasons

    def _listed(self, number: str) -> Verdict | None:
        found = self.others.get(number)
        if found is None and number in self.objections:
            return self.objected
        return found

    def _with_permission(self, number: str) -> Verdict | None:
        assert self._permission is not None
        return self._permission.add(self._listed(number), number)


class Permission:
    """The consent rule of an opt-in regime, for a whole list (docs/design.md 14.18): a number
    without an active consent covering the call is ``no_consent``. The advertiser's
    consents are read once; numbers without any share one verdict."""

    def __init__(
        self,
        regime: Regime,
        consents: Mapping[str, Sequence[Consent]],
        category: str | None,
        at: datetime,
    ) -> None:
        self._regime = regime
        self._consents = consents
        self._category = category
        self._at = at
        self._missing = tuple(consent_reasons(regime, (), category, at))
        self._by_number: dict[str, tuple[Reason, ...]] = {}
        self._joined: dict[tuple[Verdict | None, tuple[Reason, ...]], Verdict | None] = {}

    def add(self, listed: Verdict | None, number: str) -> Verdict | None:
        """``listed`` (the opt-outs' verdict) with the consent rule's reasons after it."""
        given = self._consents.get(number)
        if given is None:
            extra = self._missing
        else:
            found = self._by_number.get(number)
            if found is None:
                found = tuple(consent_reasons(self._regime, given, self._category, self._at))
                self._by_number[number] = found
            extra = found
        key = (listed, extra)
        if key not in self._joined:
            self._joined[key] = _joined(listed, extra)
        return self._joined[key]


def _suppressed(found: Verdict | None) -> bool:
    return found is not None and found.suppressed


def _joined(listed: Verdict | None, extra: tuple[Reason, ...]) -> Verdict | None:
    if not extra:
        return listed
    reasons = (*(() if listed is None else listed.reasons), *extra)
    return Verdict(is_suppressed(reasons), reasons, tuple(r.code for r in reasons))


async def load_suppression_list(
    store: Store,
    advertiser: str,
    category: str | None,
    at: datetime,
    regime: Regime | None = None,
) -> SuppressionList:
    """``advertiser``'s list in force, decided for calls of ``category`` at ``at``; under
    an opt-in ``regime`` with its consents."""
    with gc_pause.paused():
        listed = build(await store.suppression_list(advertiser), advertiser, category, at)
    if regime is None or not regime.opt_in.consent_required:
        return listed
    consents = await store.active_consents(advertiser)
    return listed.with_permission(Permission(regime, consents, category, at))


def build(rows: ListedRows, advertiser: str, category: str | None, at: datetime) -> SuppressionList:
    young_after = db_time(at - REGISTER_GRACE_PERIOD)
    own: Entry = (OptOutKind.RECHT_VAN_VERZET.value, advertiser, None, None, False)
    entries: dict[str, list[Entry]] = {}
    for number, kind, by, scope, charities, created_at in rows.others:
        entry = (kind, by, scope, charities, created_at > young_after)
        found = entries.get(number)
        if found is None:
            entries[number] = [entry]
        else:
            found.append(entry)
    decided: dict[frozenset[Entry], Verdict] = {}

    def decide(key: frozenset[Entry]) -> Verdict:
        verdict = decided.get(key)
        if verdict is None:
            verdict = decided[key] = _decide(key, advertiser, category, at)
        return verdict

    objections = set(rows.objections)
    others: dict[str, Verdict] = {}
    alone: dict[Entry, Verdict] = {}
    for number, found in entries.items():
        if len(found) == 1 and number not in objections:
            # most numbers: one row, its verdict found by the row's values alone
            verdict = alone.get(found[0])
            if verdict is None:
                verdict = alone[found[0]] = decide(frozenset(found))
        else:
            verdict = decide(frozenset([*found, own] if number in objections else found))
        others[number] = verdict
    return SuppressionList(objections, decide(frozenset([own])), others)


def _decide(
    entries: frozenset[Entry], advertiser: str, category: str | None, at: datetime
) -> Verdict:
    """The rules' verdict on a number whose rows are ``entries``."""
    rows = [_row(entry, index, at) for index, entry in enumerate(sorted(entries, key=repr))]
    reasons = tuple(suppression_reasons(rows, advertiser, category, at))
    return Verdict(is_suppressed(reasons), reasons, tuple(r.code for r in reasons))


def _row(entry: Entry, index: int, at: datetime) -> OptOut:
    """A row the rules read as they would read every row that has ``entry``."""
    kind, advertiser, scope, charities, young = entry
    return OptOut(
        id=f"entry-{index}",
        number="",
        advertiser=advertiser,
        kind=OptOutKind(kind),
        scope=decode_scope(scope),
        charities=None if charities is None else bool(charities),
        source=OptOutSource.IMPORT,
        agent=None,
        call_id=None,
        created_at=at if young else at - REGISTER_GRACE_PERIOD,
        created_by="",
    )
