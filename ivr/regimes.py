"""Which profile applies to an advertiser at a moment (docs/design.md 11.1, 14.23).

``IVR_PROFILE`` and ``[advertisers.<id>] profile`` name a profile (``nl-2021``)
or a family (``nl``); a family gives the member in force at the moment (the
call's start, may-call's ``at``), switching at local midnight. The shipped
profiles are loaded once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ivr.config import AdvertiserConfig, ConfigError, Settings
from ivr.flow.profile import Profile, known_profiles, load_profile
from ivr.rules.hours import CallingHours
from ivr.rules.maycall import Regime
from ivr.rules.regime import Sector


@dataclass(frozen=True)
class Regimes:
    default: str
    """IVR_PROFILE: a profile or a family."""
    advertisers: Mapping[str, AdvertiserConfig] = field(default_factory=dict)
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    _hours: dict[str, CallingHours] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Regimes:
        """Every shipped profile, checked against the names the settings use;
        :class:`ConfigError` for a name that is neither a profile nor a family."""
        profiles = {name: load_profile(name) for name in known_profiles()}
        regimes = cls(settings.profile, dict(settings.advertisers), profiles)
        regimes._known(settings.profile, "IVR_PROFILE")
        for advertiser, config in settings.advertisers.items():
            if config.profile is not None:
                regimes._known(config.profile, f"advertisers.{advertiser}.profile")
        return regimes

    @property
    def families(self) -> list[str]:
        return sorted({p.family for p in self.profiles.values() if p.family})

    def named_for(self, advertiser: str | None) -> str:
        """The profile or family configured for ``advertiser`` (else IVR_PROFILE)."""
        config = self.advertisers.get(advertiser) if advertiser is not None else None
        return config.profile if config is not None and config.profile else self.default

    def profile_for(self, advertiser: str | None, at: datetime) -> Profile:
        """The profile that decides ``advertiser``'s call at ``at``."""
        return self.resolve(self.named_for(advertiser), at)

    def regime_for(self, advertiser: str, at: datetime) -> tuple[Profile, Regime]:
        """The profile deciding ``advertiser``'s call at ``at``, and what a decision needs of it."""
        profile = self.profile_for(advertiser, at)
        hours = self._hours.get(profile.name)
        if hours is None:
            hours = self._hours[profile.name] = CallingHours(profile.hours)
        regime = Regime(
            hours=hours,
            opt_in=profile.opt_in,
            sector=self.sector_of(advertiser),
            expired=profile.expired_at(at),
            notices=profile.notices,
        )
        return profile, regime

    def sector_of(self, advertiser: str | None) -> Sector:
        config = self.advertisers.get(advertiser) if advertiser is not None else None
        return config.sector if config is not None else Sector.COMMERCIAL

    def resolve(self, name: str, at: datetime) -> Profile:
        """``name`` itself, or the member of the family ``name`` in force at ``at``."""
        found = self.profiles.get(name)
        if found is not None:
            return found
        members = [p for p in self.profiles.values() if p.family == name]
        if not members:
            raise ValueError(self._unknown(name))
        for member in members:
            if member.in_force_at(at):
                return member
        raise ValueError(f"no profile of family {name!r} is in force at {at.isoformat()}")

    def all_profiles_for(self, advertiser: str | None) -> list[Profile]:
        """Every profile ``advertiser``'s calls may run under (a family's members)."""
        name = self.named_for(advertiser)
        if name in self.profiles:
            return [self.profiles[name]]
        return [p for p in self.profiles.values() if p.family == name]

    def _known(self, name: str, setting: str) -> None:
        if name not in self.profiles and name not in self.families:
            raise ConfigError(f"{setting}: {self._unknown(name)}")

    def _unknown(self, name: str) -> str:
        known = ", ".join(sorted(self.profiles)) + "; families: " + ", ".join(self.families)
        return f"unknown profile {name!r} (nor a family); profiles: {known}"
