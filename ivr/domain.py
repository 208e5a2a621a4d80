"""The words of the domain, shared by flow, store, rules and API (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OptOutKind(StrEnum):
    RECHT_VAN_VERZET = "recht_van_verzet"
    BEL_ME_NIET = "bel_me_niet"
    REVOCATION = "revocation"
    DO_NOT_CALL = "do_not_call"
    """us-tcpa: the seller's do-not-call list; suppresses like a recht van verzet."""


OBJECTIONS = frozenset({OptOutKind.RECHT_VAN_VERZET, OptOutKind.DO_NOT_CALL})
"""Opt-outs that bind their advertiser and withdraw the consents given to it."""


class OptOutSource(StrEnum):
    IVR = "ivr"
    AGENT = "agent"
    API = "api"
    IMPORT = "import"


class Outcome(StrEnum):
    COMPLETED = "completed"
    NO_CHOICE = "no_choice"
    CALLER_HUNG_UP = "caller_hung_up"
    REFUSED_VOICEMAIL = "refused_voicemail"
    ERROR = "error"
    SHUTDOWN = "shutdown"
    LOST = "lost"
    INCOMPLETE = "incomplete"


class NumberSource(StrEnum):
    ARG = "arg"
    CALLER_ID = "caller_id"
    KEYED = "keyed"


class CallEventKind(StrEnum):
    PROMPT_STARTED = "prompt_started"
    PROMPT_FINISHED = "prompt_finished"
    PROMPT_INTERRUPTED = "prompt_interrupted"
    PROMPT_FAILED = "prompt_failed"
    DIGIT = "digit"
    TIMEOUT = "timeout"
    TRANSFER_ATTEMPT = "transfer_attempt"
    RECORD = "record"
    ERROR = "error"
    HANGUP = "hangup"
    CHOICE = "choice"
    LIMIT = "limit"
    OUT_OF_TRIES = "out_of_tries"
    NOTE = "note"
    RIGHTS = "rights"


class Verdict(StrEnum):
    """What a call did with one right of its profile (docs/design.md §10.2, §14.4)."""

    CHOSEN = "chosen"
    CHOSEN_UNCONFIRMED = "chosen_unconfirmed"
    HEARD = "heard"
    NOT_HEARD = "not_heard"


RIGHT_VERDICTS = tuple(verdict.value for verdict in Verdict)
"""What ``calls.rights`` says of each right of the call's profile (docs/design.md 10.2, 14.4)."""

Scope = str | tuple[str, ...]
"""``"all"`` or the category ids of a partial (deel) registration."""

SCOPE_ALL = "all"


@dataclass(frozen=True, slots=True)
class OptOutRequest:
    """What somebody asked to be recorded; the store gives it an id and a time."""

    number: str  # E.164
    advertiser: str
    kind: OptOutKind
    source: OptOutSource
    created_by: str
    scope: Scope | None = None  # bel_me_niet only
    charities: bool | None = None  # bel_me_niet with scope all only
    agent: str | None = None
    call_id: str | None = None
    revokes: str | None = None
    reason: str | None = None
    requested_by: str | None = None  # a revocation: who asked (the consumer's request)


@dataclass(frozen=True, slots=True)
class OptOut:
    """One row of the append-only ``optouts`` table."""

    id: str
    number: str
    advertiser: str
    kind: OptOutKind
    scope: Scope | None
    charities: bool | None
    source: OptOutSource
    agent: str | None
    call_id: str | None
    created_at: datetime
    created_by: str
    revokes: str | None = None
    reason: str | None = None
    requested_by: str | None = None


def same_entry(row: OptOut, request: OptOutRequest) -> bool:
    """Whether ``row`` already says what ``request`` asks to record: the same number,
    advertiser, kind, scope (in any order) and charities answer."""
    return (row.number, row.advertiser, row.kind) == (
        request.number,
        request.advertiser,
        request.kind,
    ) and same_terms(row.scope, row.charities, request)


def same_terms(scope: Scope | None, charities: bool | None, request: OptOutRequest) -> bool:
    """Whether ``scope`` (in any order) and ``charities`` are those ``request`` asks for."""
    return charities == request.charities and _scope_key(scope) == _scope_key(request.scope)


def _scope_key(scope: Scope | None) -> str | frozenset[str] | None:
    return scope if scope is None or isinstance(scope, str) else frozenset(scope)


@dataclass(frozen=True, slots=True)
class CallStart:
    """What is known about a call when it enters the IVR."""

    id: str
    channel_id: str
    advertiser: str
    started_at: datetime
    profile: str
    lang: str = "nl"
    campaign: str | None = None
    agent: str | None = None
    script: str | None = None
    number: str | None = None
    number_source: NumberSource | None = None
    extra: dict[str, str] = field(default_factory=dict)
    caller_number: str | None = None  # the caller id as Asterisk gave it
    software_version: str | None = None
    profile_hash: str | None = None  # sha256 of the profile file as loaded
    asterisk: str | None = None  # the Asterisk box's id (several boxes, one database)


class ConsentKind(StrEnum):
    CONSENT = "consent"
    WITHDRAWAL = "withdrawal"


class ConsentChannel(StrEnum):
    """How a consent was obtained."""

    WEB = "web"
    APP = "app"
    SMS = "sms"
    EMAIL = "email"
    PHONE = "phone"
    PAPER = "paper"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """A consent somebody asked to record; the store gives it an id and a time."""

    number: str  # E.164
    advertiser: str
    scope: Scope
    channel: ConsentChannel
    obtained_at: datetime
    created_by: str
    proof_ref: str | None = None
    verified_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Consent:
    """One row of the append-only ``consents`` table: a consent or a withdrawal.

    A withdrawal names the consent it ends (``withdraws``); its consent-only
    fields (scope, channel, obtained_at, proof_ref, verified_at, expires_at) are None.
    """

    id: str
    number: str
    advertiser: str
    kind: ConsentKind
    scope: Scope | None
    channel: ConsentChannel | None
    obtained_at: datetime | None
    proof_ref: str | None
    verified_at: datetime | None
    expires_at: datetime | None
    created_at: datetime
    created_by: str
    withdraws: str | None = None
    reason: str | None = None
    requested_by: str | None = None
    call_id: str | None = None
