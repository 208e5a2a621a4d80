"""The reasons a decision gives, in English and Dutch (docs/design.md section 6)."""

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
    DO_NOT_CALL = "do_not_call"
    NO_CONSENT = "no_consent"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_UNVERIFIED = "consent_unverified"
    CUSTOMER_RELATION_EXPIRED = "customer_relation_expired"
    CUSTOMER_EXCEPTION_NOT_FOR_SECTOR = "customer_exception_not_for_sector"
    OUTSIDE_CALLING_HOURS_LOCAL = "outside_calling_hours_local"
    CONSENT_AFTER_OBJECTION = "consent_after_objection"
    NATIONAL_DNC_NOT_CHECKED = "national_dnc_not_checked"
    PROFILE_EXPIRED = "profile_expired"


SUPPRESSING = frozenset(
    {ReasonCode.RECHT_VAN_VERZET, ReasonCode.BEL_ME_NIET, ReasonCode.DO_NOT_CALL}
)
"""Codes that make a number suppressed for the advertiser."""

NO_PERMISSION = frozenset(
    {
        ReasonCode.NO_CONSENT,
        ReasonCode.CONSENT_WITHDRAWN,
        ReasonCode.CONSENT_EXPIRED,
        ReasonCode.CONSENT_UNVERIFIED,
        ReasonCode.CUSTOMER_RELATION_EXPIRED,
        ReasonCode.CUSTOMER_EXCEPTION_NOT_FOR_SECTOR,
    }
)
"""Codes that say an opt-in regime finds no permission to call (docs/design.md 11.1)."""

OUTSIDE_HOURS = frozenset(
    {
        ReasonCode.OUTSIDE_CALLING_HOURS,
        ReasonCode.SUNDAY,
        ReasonCode.PUBLIC_HOLIDAY,
        ReasonCode.OUTSIDE_CALLING_HOURS_LOCAL,
    }
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
    ReasonCode.DO_NOT_CALL: (
        "The consumer asked this seller not to call again (do-not-call request).",
        "De consument heeft deze verkoper gevraagd niet meer te bellen (do-not-call-verzoek).",
    ),
    ReasonCode.NO_CONSENT: (
        "No active consent of the consumer covers this call.",
        "Er is geen geldige toestemming van de consument voor dit telefoontje.",
    ),
    ReasonCode.CONSENT_WITHDRAWN: (
        "The consumer's consent for this call was withdrawn.",
        "De consument heeft de toestemming voor dit telefoontje ingetrokken.",
    ),
    ReasonCode.CONSENT_EXPIRED: (
        "The consumer's consent for this call has expired.",
        "De toestemming van de consument voor dit telefoontje is verlopen.",
    ),
    ReasonCode.CONSENT_UNVERIFIED: (
        "The consent has not been verified; under this regime only a verified consent counts.",
        "De toestemming is niet geverifieerd; onder deze regels telt alleen een"
        " geverifieerde toestemming.",
    ),
    ReasonCode.CUSTOMER_RELATION_EXPIRED: (
        "The customer relation ended too long ago to replace consent.",
        "De klantrelatie is te lang geleden beëindigd om toestemming te vervangen.",
    ),
    ReasonCode.CUSTOMER_EXCEPTION_NOT_FOR_SECTOR: (
        "Under this regime a customer relation replaces consent only for charities,"
        " charity lotteries and publishers.",
        "Onder deze regels vervangt een klantrelatie de toestemming alleen voor goede doelen,"
        " goededoelenloterijen en uitgevers van kranten en tijdschriften.",
    ),
    ReasonCode.OUTSIDE_CALLING_HOURS_LOCAL: (
        "The time is outside the calling hours in the called party's local time"
        " (08:00-21:00 in every time zone of the number).",
        "Het tijdstip valt buiten de beltijden in de plaatselijke tijd van de gebelde"
        " (08:00-21:00 in elke tijdzone van het nummer).",
    ),
    ReasonCode.CONSENT_AFTER_OBJECTION: (
        "A consent was given after the objection; the objection stays in force until the"
        " consumer revokes it.",
        "Er is toestemming gegeven na het bezwaar; het bezwaar blijft gelden tot de consument"
        " het intrekt.",
    ),
    ReasonCode.NATIONAL_DNC_NOT_CHECKED: (
        "The National Do Not Call Registry is not checked by this product; check it separately.",
        "Het nationale Do Not Call-register van de VS wordt door dit product niet"
        " gecontroleerd; controleer het apart.",
    ),
    ReasonCode.PROFILE_EXPIRED: (
        "The rules applied (the profile) were no longer in force at this moment.",
        "De toegepaste regels (het profiel) golden op dit moment niet meer.",
    ),
}

REASONS: dict[ReasonCode, Reason] = {
    code: Reason(code.value, english, dutch) for code, (english, dutch) in _TEXTS.items()
}


def reason(code: ReasonCode) -> Reason:
    return REASONS[code]
