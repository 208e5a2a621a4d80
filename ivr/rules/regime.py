"""A profile as law: when it is in force, what a call needs, which rights it offers.

Every rule here is data in the profile's TOML, so that a user who reads the law
differently changes a file, not the code (docs/design.md section 11).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator


class Right(StrEnum):
    """A right the IVR offers (docs/design.md 10.2)."""

    RECHT_VAN_VERZET = "recht_van_verzet"
    BEL_ME_NIET = "bel_me_niet"
    DO_NOT_CALL = "do_not_call"


class Sector(StrEnum):
    """What an advertiser is, as far as the opt-in rules tell advertisers apart."""

    COMMERCIAL = "commercial"
    CHARITY = "charity"
    CHARITY_LOTTERY = "charity_lottery"
    PUBLISHER = "publisher"


class Period(BaseModel, frozen=True, extra="forbid"):
    """The days a profile is in force, both ends included (local dates); open when absent."""

    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _runs_forward(self) -> Self:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("period: the end is before the start")
        return self

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def ended_before(self, day: date) -> bool:
        return self.end is not None and self.end < day

    def describe(self) -> str:
        start = self.start.isoformat() if self.start else "…"
        end = self.end.isoformat() if self.end else "…"
        return "always" if self.start is None and self.end is None else f"{start} – {end}"


class OptIn(BaseModel, frozen=True, extra="forbid"):
    """What calling a consumer needs under an opt-in regime (``[opt_in]`` of a profile).

    ``consent_required`` false (the default) is an opt-out regime: a number may be
    called unless it is suppressed.
    """

    consent_required: bool = False
    consent_must_be_verified: bool = False
    """A consent without ``verified_at`` does not count (``nl-2026``)."""
    customer_relation_years: int | None = Field(default=None, ge=0)
    """A customer relation that ended less than this many years ago replaces consent;
    ``None``: a customer relation never replaces consent."""
    customer_relation_sectors: tuple[Sector, ...] = tuple(Sector)
    """The advertisers' sectors for which the customer relation replaces consent."""


def local_day(at: datetime, zone: ZoneInfo) -> date:
    """The local date of ``at``: a regime changes at local midnight."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the time of a decision must carry its time zone")
    return at.astimezone(zone).date()
