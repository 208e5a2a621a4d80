"""The reasons a decision gives, in English and Dutch (DESIGN.md section 6)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReasonCode(StrEnum):
    RECHT_VAN_VERZET = "recht_van_verzet"
    BEL_ME_NIET = "bel_me_niet"
    REGISTER_GRACE_PERIOD = "register_grace_period"
    OUTSIDE_CALLING_HOURS = "outside_calling_hours"
    SUNDAY = "sunday"
    PUBLIC_HOLIDAY = "public_holiday"
    EXCEPTION_REQUESTED_CALL = "exception_requested_call"
    EXCEPTION_CUSTOMER = "exception_customer"
    EXCEPTION_RESEARCH = "exception_research"
    EXCEPTION_CALLBACK = "exception_callback"


SUPPRESSING = frozenset({ReasonCode.RECHT_VAN_VERZET, ReasonCode.BEL_ME_NIET})
"""Codes that make a number suppressed for the advertiser."""

OUTSIDE_HOURS = frozenset(
    {ReasonCode.OUTSIDE_CALLING_HOURS, ReasonCode.SUNDAY, ReasonCode.PUBLIC_HOLIDAY}
)
"""Codes that say the moment is outside the calling hours."""


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str
    message_nl: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "message_nl": self.message_nl}


_TEXTS: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.RECHT_VAN_VERZET: (
        "The consumer has objected to calls from this advertiser (recht van verzet).",
        "De consument heeft bezwaar gemaakt tegen telefoontjes van deze adverteerder"
        " (recht van verzet).",
    ),
    ReasonCode.BEL_ME_NIET: (
        "The number is registered with the Bel-me-niet Register for this kind of call.",
        "Het nummer is ingeschreven in het Bel-me-niet Register voor dit soort telefoontjes.",
    ),
    ReasonCode.REGISTER_GRACE_PERIOD: (
        "The Bel-me-niet registration is less than 6 weeks old; it is honoured at once,"
        " the register's grace period is not relied on.",
        "De inschrijving in het Bel-me-niet Register is minder dan 6 weken oud; zij geldt"
        " meteen, op de overgangstermijn van het register wordt niet vertrouwd.",
    ),
    ReasonCode.OUTSIDE_CALLING_HOURS: (
        "The time is outside the calling hours.",
        "Het tijdstip valt buiten de beltijden.",
    ),
    ReasonCode.SUNDAY: (
        "No calls on Sundays.",
        "Op zondag wordt niet gebeld.",
    ),
    ReasonCode.PUBLIC_HOLIDAY: (
        "No calls on public holidays.",
        "Op een feestdag wordt niet gebeld.",
    ),
    ReasonCode.EXCEPTION_REQUESTED_CALL: (
        "Exception: the consumer asked for this call.",
        "Uitzondering: de consument heeft om dit telefoontje gevraagd.",
    ),
    ReasonCode.EXCEPTION_CUSTOMER: (
        "Exception: the consumer is a customer of this advertiser for a similar product.",
        "Uitzondering: de consument is klant van deze adverteerder voor een soortgelijk product.",
    ),
    ReasonCode.EXCEPTION_RESEARCH: (
        "Exception: the call is market research.",
        "Uitzondering: het telefoontje is marktonderzoek.",
    ),
    ReasonCode.EXCEPTION_CALLBACK: (
        "Exception: a call-back appointment made with the consumer may be outside"
        " the calling hours.",
        "Uitzondering: een terugbelafspraak met de consument mag buiten de beltijden vallen.",
    ),
}

REASONS: dict[ReasonCode, Reason] = {
    code: Reason(code.value, english, dutch) for code, (english, dutch) in _TEXTS.items()
}


def reason(code: ReasonCode) -> Reason:
    return REASONS[code]
