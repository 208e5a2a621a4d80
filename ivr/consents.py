"""Consents as the API and the CLI take them (docs/design.md 11.2, 14.24): checked once here.

A consent names its number (read with the region of the advertiser's profile),
its scope (``all`` or the profile's categories), how it was obtained and when;
``obtained_at`` cannot lie in the future, and ``expires_at`` must come after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ivr.domain import ConsentChannel, ConsentRequest
from ivr.flow.profile import Profile
from ivr.suppressions import InputError, parse_number, parse_scope, parse_since


def parse_channel(raw: str | None) -> ConsentChannel:
    try:
        return ConsentChannel(raw or "")
    except ValueError:
        known = ", ".join(channel.value for channel in ConsentChannel)
        raise InputError("invalid_channel", f"channel {raw!r} is not one of {known}") from None


def parse_moment_field(name: str, raw: str | None, timezone: str) -> datetime | None:
    """An ISO 8601 date or date-time; a date, or a time without offset, is local time."""
    try:
        moment = parse_since(raw, timezone)
        if moment is not None and not _EARLIEST <= moment.astimezone(UTC).year <= _LATEST:
            raise ValueError(moment)
    except (InputError, ValueError, OverflowError):
        raise InputError("invalid_date", f"{name}: {raw!r} is not an ISO 8601 date-time") from None
    return moment


_EARLIEST, _LATEST = 1900, 9998


def consent_request(
    *,
    number: str,
    advertiser: str,
    channel: str | None,
    obtained_at: str | None,
    created_by: str,
    profile: Profile,
    now: datetime,
    scope: str | Sequence[str] | None = None,
    proof_ref: str | None = None,
    verified_at: str | None = None,
    expires_at: str | None = None,
) -> ConsentRequest:
    """A consent checked the way the law reads it; :class:`InputError` when it cannot be."""
    zone = profile.hours.timezone
    e164 = parse_number(number, profile.number_region)
    obtained = parse_moment_field("obtained_at", obtained_at, zone)
    if obtained is None:
        raise InputError("invalid_date", "obtained_at: when the consent was given is required")
    if obtained > now:
        raise InputError("invalid_date", "obtained_at lies in the future")
    verified = parse_moment_field("verified_at", verified_at, zone)
    expires = parse_moment_field("expires_at", expires_at, zone)
    if expires is not None and expires <= obtained:
        raise InputError("invalid_date", "expires_at must come after obtained_at")
    return ConsentRequest(
        number=e164,
        advertiser=advertiser,
        scope=parse_scope(scope, profile),
        channel=parse_channel(channel),
        obtained_at=obtained,
        created_by=created_by,
        proof_ref=proof_ref or None,
        verified_at=verified,
        expires_at=expires,
    )
