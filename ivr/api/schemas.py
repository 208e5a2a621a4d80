"""Request and response models of the HTTP API (the OpenAPI document is made from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ivr.domain import Consent, OptOut, Scope
from ivr.rules.reasons import Reason
from ivr.suppressions import Suppression

MAX_CHECK_NUMBERS = 50_000

ScopeOut = Literal["all"] | list[str] | None


def scope_out(scope: Scope | None) -> str | list[str] | None:
    """A stored scope as JSON shows it: ``"all"``, a list of category ids, or null."""
    return scope if scope is None or isinstance(scope, str) else list(scope)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorOut(_Strict):
    error: str = Field(description="A stable code, e.g. unknown_advertiser or invalid_number.")
    message: str
    headers: list[str] | None = Field(
        default=None, description="number_column_not_found: the file's headers as seen."
    )


class HealthOut(_Strict):
    status: Literal["ok"]


class ReadyOut(_Strict):
    status: Literal["ready", "not_ready"]
    checks: dict[str, bool] = Field(description="Every check by name; false ones are red.")
    detail: list[str] = Field(
        default_factory=list,
        description="Conditions that do not make the service unready, such as"
        " profile_expired (a profile in use whose period has ended).",
    )


class ReasonOut(_Strict):
    code: str
    message: str
    message_nl: str

    @classmethod
    def of(cls, reason: Reason) -> ReasonOut:
        return cls(code=reason.code, message=reason.message, message_nl=reason.message_nl)


class OptOutEntry(_Strict):
    id: str
    number: str = Field(description="E.164")
    advertiser: str
    kind: Literal["recht_van_verzet", "bel_me_niet", "revocation", "do_not_call"]
    scope: ScopeOut = Field(description='"all" or category ids; null for recht van verzet.')
    charities: bool | None
    source: Literal["ivr", "agent", "api", "import"]
    agent: str | None
    call_id: str | None
    created_at: datetime
    created_by: str
    revokes: str | None = Field(default=None, description="The opt-out a revocation cancels.")
    reason: str | None = None
    requested_by: str | None = Field(
        default=None, description="A revocation: who asked for it (the consumer's request)."
    )

    @classmethod
    def of(cls, row: OptOut) -> OptOutEntry:
        return cls(
            id=row.id,
            number=row.number,
            advertiser=row.advertiser,
            kind=row.kind.value,
            scope=scope_out(row.scope),
            charities=row.charities,
            source=row.source.value,
            agent=row.agent,
            call_id=row.call_id,
            created_at=row.created_at,
            created_by=row.created_by,
            revokes=row.revokes,
            reason=row.reason,
            requested_by=row.requested_by,
        )


class SuppressionOut(_Strict):
    number: str = Field(description="E.164")
    advertiser: str
    suppressed: bool
    reasons: list[ReasonOut]
    entries: list[OptOutEntry]

    @classmethod
    def of(cls, found: Suppression) -> SuppressionOut:
        return cls(
            number=found.number,
            advertiser=found.advertiser,
            suppressed=found.suppressed,
            reasons=[ReasonOut.of(r) for r in found.reasons],
            entries=[OptOutEntry.of(e) for e in found.entries],
        )


class SuppressionQuery(_Strict):
    advertiser: str = Field(min_length=1)
    category: str | None = Field(default=None, description="A register category of the profile.")
    at: str | None = Field(
        default=None,
        description="ISO 8601 with an offset: the decision as it stood then (only opt-outs "
        "and revocations created at or before it count); default now.",
    )
    include_revoked: bool = Field(
        default=False,
        description="List the number's whole history in entries: revoked opt-outs and "
        "their revocations too (the decision still rests on the active ones).",
    )


class CheckRequest(_Strict):
    advertiser: str = Field(min_length=1)
    numbers: list[str] = Field(description=f"Up to {MAX_CHECK_NUMBERS} numbers, any common form.")
    category: str | None = None


class CheckResult(_Strict):
    input: str
    number: str | None = Field(description="E.164, null when the input is not a valid number.")
    valid: bool
    suppressed: bool | None = Field(description="null for an invalid number.")
    reasons: list[ReasonOut]


class CheckOut(_Strict):
    advertiser: str
    results: list[CheckResult] = Field(description="One per number, in the order sent.")


class OptOutCreate(_Strict):
    number: str
    advertiser: str = Field(min_length=1)
    kind: Literal["recht_van_verzet", "bel_me_niet", "do_not_call"]
    scope: Literal["all"] | list[str] | None = Field(
        default=None, description='Register only: "all" (the default) or category ids.'
    )
    charities: bool | None = Field(
        default=None,
        description='Register with scope "all" only, and required there (422 '
        "charities_required): whether goede doelen may not call either.",
    )
    agent: str | None = Field(default=None, min_length=1, description="The agent's id.")


class RevokeRequest(_Strict):
    reason: str = Field(min_length=1)
    requested_by: str = Field(min_length=1, description="Who asked: the consumer's request.")


class ExportQuery(_Strict):
    advertiser: str | None = Field(
        default=None,
        description="That advertiser's suppression list: its own opt-outs, every Bel-me-niet "
        "registration whoever recorded it, and their revocations (a bound token: its own).",
    )
    number: str | None = None
    since: str | None = Field(default=None, description="ISO 8601 date or date-time.")
    kind: Literal["recht_van_verzet", "bel_me_niet", "revocation", "do_not_call"] | None = None
    include_revoked: bool = Field(
        default=False, description="Also revoked opt-outs and the revocations (the history)."
    )
    format: Literal["csv", "jsonl", "json"] = "csv"


class ScrubQuery(_Strict):
    advertiser: str = Field(min_length=1)
    mode: Literal["remove", "mark"] = "remove"
    column: list[str] = Field(
        default_factory=list,
        description="A number column by its header (headerless file: `#1`, `#2`…); repeatable.",
    )
    category: str | None = None


class MayCallQuery(_Strict):
    number: str
    advertiser: str = Field(min_length=1)
    at: str | None = Field(
        default=None,
        description="ISO 8601 with an offset; default now. Only opt-outs and revocations "
        "created at or before it count.",
    )
    relation: Literal["customer", "requested", "callback", "research"] | None = None
    relation_ended: str | None = Field(
        default=None,
        description="With relation=customer: the ISO 8601 date the customer relation ended"
        " (absent: it is current).",
    )
    category: str | None = None


class MayCallOut(_Strict):
    number: str
    advertiser: str
    at: datetime
    profile: str = Field(description="The profile applied: the one in force at `at`.")
    allowed: bool
    reasons: list[ReasonOut]


class CallOut(_Strict):
    id: str
    channel_id: str
    advertiser: str
    campaign: str | None
    agent: str | None
    script: str | None
    number: str | None
    number_source: Literal["arg", "caller_id", "keyed"] | None
    lang: str
    profile: str
    extra: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    caller_number: str | None = Field(description="The caller id as Asterisk gave it.")
    rights: dict[str, str] | None = Field(
        description="The verdict per right of the profile (chosen, chosen_unconfirmed, heard,"
        " not_heard); {} for a call refused before any prompt; null while open."
    )
    evidence_complete: bool = Field(
        description="False when an evidence row could not be written or a crash interrupted it."
    )
    software_version: str | None
    profile_hash: str | None
    evidence_head: str | None = Field(description="The seal: the hash over the events and row.")
    seal_seq: int | None


class CallEventOut(_Strict):
    seq: int
    at: datetime
    kind: str
    detail: dict[str, Any]
    hash: str | None = Field(description="This row's link in the call's hash chain.")


class CallDetailOut(_Strict):
    call: CallOut
    events: list[CallEventOut] = Field(description="The evidence trail, in order.")
    optouts: list[OptOutEntry] = Field(description="Opt-outs recorded in this call.")


class CallSearchQuery(_Strict):
    number: str | None = Field(default=None, description="Matches number or caller_number.")
    advertiser: str | None = None
    campaign: str | None = None
    rights: str | None = Field(
        default=None,
        pattern=r"^(chosen|chosen_unconfirmed|heard|not_heard)(,(chosen|chosen_unconfirmed|heard|not_heard))*$",
        description="Calls with any right given any of these verdicts (comma = any of),"
        " e.g. not_heard,chosen_unconfirmed to follow up by hand.",
    )
    since: str | None = Field(default=None, description="ISO 8601 date or date-time.")
    until: str | None = Field(default=None, description="ISO 8601 date or date-time.")
    limit: int = Field(default=1000, ge=1, le=10_000)


class CallListOut(_Strict):
    calls: list[CallOut]


class SubmissionsQuery(_Strict):
    since: str | None = Field(default=None, description="ISO 8601 date or date-time.")
    format: Literal["csv", "jsonl"] = "csv"


class SubmissionOut(_Strict):
    number: str
    scope: ScopeOut
    charities: bool | None
    created_at: datetime
    call_id: str | None


class ConsentCreate(_Strict):
    number: str = Field(min_length=1)
    advertiser: str = Field(min_length=1)
    scope: Literal["all"] | list[str] = Field(
        default="all", description='"all" (the default) or category ids of the profile.'
    )
    channel: Literal["web", "app", "sms", "email", "phone", "paper", "other"] = Field(
        description="How the consent was obtained."
    )
    obtained_at: str = Field(
        min_length=1, description="ISO 8601; when the consumer gave it (not in the future)."
    )
    proof_ref: str | None = Field(
        default=None, description="Where the proof is kept, e.g. a form id."
    )
    verified_at: str | None = Field(
        default=None, description="ISO 8601; when it was verified (null: not verified)."
    )
    expires_at: str | None = Field(
        default=None, description="ISO 8601, after obtained_at (null: no end)."
    )


class ConsentEntry(_Strict):
    id: str
    number: str = Field(description="E.164")
    advertiser: str
    kind: Literal["consent", "withdrawal"]
    scope: ScopeOut = Field(description='"all" or category ids; null for a withdrawal.')
    channel: str | None
    obtained_at: datetime | None
    proof_ref: str | None
    verified_at: datetime | None
    expires_at: datetime | None
    withdraws: str | None = Field(description="The consent a withdrawal ends.")
    reason: str | None
    requested_by: str | None
    call_id: str | None
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, row: Consent) -> ConsentEntry:
        return cls(
            id=row.id,
            number=row.number,
            advertiser=row.advertiser,
            kind=row.kind.value,
            scope=scope_out(row.scope),
            channel=None if row.channel is None else row.channel.value,
            obtained_at=row.obtained_at,
            proof_ref=row.proof_ref,
            verified_at=row.verified_at,
            expires_at=row.expires_at,
            withdraws=row.withdraws,
            reason=row.reason,
            requested_by=row.requested_by,
            call_id=row.call_id,
            created_at=row.created_at,
            created_by=row.created_by,
        )


class WithdrawRequest(_Strict):
    reason: str = Field(min_length=1)
    requested_by: str | None = Field(
        default=None, min_length=1, description="Who asked for the withdrawal."
    )


class ConsentExportQuery(_Strict):
    advertiser: str | None = None
    number: str | None = None
    since: str | None = Field(default=None, description="ISO 8601 date or date-time.")
    format: Literal["csv", "jsonl", "json"] = "csv"
