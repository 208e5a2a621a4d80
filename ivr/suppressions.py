"""The suppression list as the API and the CLI use it: look-ups and manual entries.

Input is checked here once for both front ends: a bad number, category or date
is an :class:`InputError`; an advertiser that is neither configured nor in the
store is :class:`UnknownAdvertiser`, so a typo never reads as "not suppressed".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from ivr.config import Settings
from ivr.domain import (
    OBJECTIONS,
    SCOPE_ALL,
    Consent,
    OptOut,
    OptOutKind,
    OptOutRequest,
    OptOutSource,
    Scope,
)
from ivr.flow.profile import Profile
from ivr.regimes import Regimes
from ivr.rules.maycall import Decision, Regime, consent_reasons, may_call
from ivr.rules.numbers import DEFAULT_REGION, normalize
from ivr.rules.reasons import Reason
from ivr.rules.suppression import Relation, is_suppressed, suppression_reasons
from ivr.store import Store

REGISTER = "register"
"""The advertiser a bound token sees on another advertiser's register row."""


CHARITIES_REQUIRED = (
    'a Bel-me-niet registration with scope "all" needs charities (true or false): '
    "ask the consumer whether charities may still call"
)


class InputError(Exception):
    """A well-formed request with a value that cannot be used."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class UnknownAdvertiser(Exception):
    def __init__(self, advertiser: str) -> None:
        super().__init__(
            f"advertiser {advertiser!r} is neither configured nor present in the store"
        )
        self.advertiser = advertiser


@dataclass(frozen=True)
class Suppression:
    number: str
    advertiser: str
    suppressed: bool
    reasons: list[Reason]
    entries: list[OptOut]


def parse_number(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 of ``raw``, read with ``region`` (that of the advertiser's profile)."""
    number = normalize(raw, region)
    if number is None:
        raise InputError("invalid_number", f"{raw!r} is not a valid phone number")
    return number


def parse_category(category: str | None, profile: Profile) -> str | None:
    if category is None or category == "":
        return None
    known = [c.id for c in profile.categories]
    if category not in known:
        raise InputError(
            "unknown_category", f"unknown category {category!r}; known: {', '.join(known)}"
        )
    return category


def parse_relation(raw: str | None) -> Relation | None:
    if not raw:
        return None
    try:
        return Relation(raw)
    except ValueError:
        known = ", ".join(r.value for r in Relation)
        raise InputError("invalid_relation", f"unknown relation {raw!r}; known: {known}") from None


_SPACE_FOR_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def _iso(raw: str) -> str:
    # A "+" in a query string arrives as a space when the client did not escape it.
    return _SPACE_FOR_PLUS.sub(r"\1+\2", raw.strip())


def parse_moment(raw: str | None) -> datetime | None:
    """A moment as ISO 8601 with an offset, or ``None`` when absent."""
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(_iso(raw))
    except ValueError:
        raise InputError("invalid_date", f"{raw!r} is not an ISO 8601 date-time") from None
    if at.tzinfo is None:
        raise InputError("invalid_date", f"{raw!r} has no offset (e.g. +01:00 or Z)")
    return at


def parse_relation_ended(raw: str | None, relation: Relation | None) -> date | None:
    """The day a customer relation ended (``relation=customer`` only); none: it is current."""
    if not raw:
        return None
    if relation is not Relation.CUSTOMER:
        raise InputError("invalid_relation", "relation_ended goes with relation=customer")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InputError("invalid_date", f"{raw!r} is not an ISO 8601 date") from None


def parse_since(raw: str | None, timezone: str) -> datetime | None:
    """An ISO 8601 date or date-time; a date, or a time without offset, is local time."""
    if not raw:
        return None
    text = _iso(raw)
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time())
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError("invalid_date", f"{raw!r} is not an ISO 8601 date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment


async def ensure_advertiser(store: Store, settings: Settings, advertiser: str) -> None:
    if advertiser in settings.advertisers or await store.advertiser_known(advertiser):
        return
    raise UnknownAdvertiser(advertiser)


async def look_up(
    store: Store,
    number: str,
    advertiser: str,
    now: datetime,
    category: str | None = None,
    *,
    regimes: Regimes,
    at: datetime | None = None,
    include_revoked: bool = False,
) -> Suppression:
    """Whether ``advertiser`` may not call ``number`` (E.164), with the entries that say so,
    under the profile in force (consent under an opt-in regime, its information).

    With ``at``, the decision as it stood then: only opt-outs and revocations created
    at or before ``at`` count. ``include_revoked`` lists the number's whole history in
    the entries (the decision still rests on the active ones).
    """
    moment = now if at is None else at
    counting = await store.active_optouts(number, advertiser, at)
    regime = regimes.regime_for(advertiser, moment)[1]
    consents = await _consents(store, number, advertiser, regime)
    found = judge(number, advertiser, counting, moment, category, regime=regime, consents=consents)
    if include_revoked:
        history = await store.optout_history(number, advertiser, at)
        return dataclasses.replace(found, entries=history)
    return found


async def decide_may_call(
    store: Store,
    number: str,
    advertiser: str,
    regimes: Regimes,
    now: datetime,
    *,
    at: datetime | None = None,
    relation: Relation | None = None,
    category: str | None = None,
    relation_ended: date | None = None,
) -> tuple[Decision, Profile]:
    """May-call over ``advertiser``'s list and consents as they stood at ``at`` (default:
    now), under the profile in force then; the decision and that profile."""
    moment = now if at is None else at
    profile, regime = regimes.regime_for(advertiser, moment)
    optouts = await store.active_optouts(number, advertiser, at)
    consents = await _consents(store, number, advertiser, regime)
    decision = may_call(
        optouts,
        advertiser,
        moment,
        regime,
        relation,
        category,
        number=number,
        consents=consents,
        relation_ended=relation_ended,
    )
    return decision, profile


async def _consents(store: Store, number: str, advertiser: str, regime: Regime) -> list[Consent]:
    if not regime.opt_in.consent_required:
        return []
    return await store.consents_of(number, advertiser)


def seen_by(row: OptOut, viewer: str | None) -> OptOut:
    """``row`` as a token bound to ``viewer`` may see it (docs/design.md 14.19).

    Another advertiser's row reaches a bound token only as a Bel-me-niet
    registration (or its revocation): it shows as advertiser ``register``,
    without the call, the agent or who recorded it.
    """
    if viewer is None or row.advertiser == viewer:
        return row
    return dataclasses.replace(
        row, advertiser=REGISTER, call_id=None, agent=None, created_by=REGISTER
    )


def judge(
    number: str,
    advertiser: str,
    entries: Sequence[OptOut],
    at: datetime,
    category: str | None = None,
    *,
    regime: Regime,
    consents: Sequence[Consent] = (),
) -> Suppression:
    """Whether ``number`` is suppressed for ``advertiser``. Under an opt-in ``regime`` a
    number without an active consent is suppressed too (``no_consent``, docs/design.md 14.18)."""
    reasons = suppression_reasons(entries, advertiser, category, at)
    reasons.extend(consent_reasons(regime, consents, category, at))
    reasons.extend(regime.info())
    return Suppression(number, advertiser, is_suppressed(reasons), reasons, list(entries))


def parse_scope(raw: str | Sequence[str] | None, profile: Profile) -> Scope:
    """``"all"`` (also the default) or a list of the profile's category ids."""
    if raw is None or raw == SCOPE_ALL:
        return SCOPE_ALL
    items = [part.strip() for part in raw.split(",")] if isinstance(raw, str) else list(raw)
    items = [item for item in items if item]
    if not items:
        raise InputError("invalid_scope", 'scope is "all" or a non-empty list of categories')
    for item in items:
        parse_category(item, profile)
    return tuple(dict.fromkeys(items))


def optout_request(
    *,
    number: str,
    advertiser: str,
    kind: OptOutKind,
    source: OptOutSource,
    created_by: str,
    profile: Profile,
    scope: str | Sequence[str] | None = None,
    charities: bool | None = None,
    agent: str | None = None,
) -> OptOutRequest:
    """A manual or imported opt-out, checked the way the IVR would have asked it (the number
    read with the region of ``profile``, the advertiser's)."""
    e164 = parse_number(number, profile.number_region)
    if kind in OBJECTIONS:
        if scope is not None or charities is not None:
            raise InputError(
                "invalid_scope", "scope and charities belong to a bel_me_niet registration only"
            )
        parsed: Scope | None = None
    elif kind is OptOutKind.BEL_ME_NIET:
        parsed = parse_scope(scope, profile)
        if parsed != SCOPE_ALL and charities is not None:
            raise InputError("invalid_scope", 'charities is asked only with scope "all"')
        if parsed == SCOPE_ALL and charities is None:
            raise InputError("charities_required", CHARITIES_REQUIRED)
    else:
        raise InputError("invalid_kind", "kind is recht_van_verzet, bel_me_niet or do_not_call")
    return OptOutRequest(
        number=e164,
        advertiser=advertiser,
        kind=kind,
        source=source,
        created_by=created_by,
        scope=parsed,
        charities=charities,
        agent=agent,
    )
