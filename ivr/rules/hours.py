"""Calling hours (CTM 2012 art. 9): when an advertiser may call, as profile data.

Every window includes its start and excludes its end: with Saturday
``["10:00", "16:00"]`` a call at 10:00 is allowed and one at 16:00 is not.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache, cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import phonenumbers
from holidays.registry import EntityLoader
from phonenumbers import timezone as number_zones
from pydantic import BaseModel, field_validator, model_validator

from ivr.rules.reasons import Reason, ReasonCode, reason

_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

Window = tuple[time, time]
"""``(start, end)``: start included, end excluded."""


def _parse_month_day(value: str) -> str:
    match = _MONTH_DAY.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not a day of the year as MM-DD")
    month, day = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        raise ValueError(f"{value!r} is not a day of the year as MM-DD")
    return value


class HoursRules(BaseModel, frozen=True, extra="forbid"):
    """The ``[hours]`` table of a profile.

    ``short_days`` (``MM-DD``) end at ``short_day_end`` when they fall on a
    working day; on a Saturday the Saturday hours apply. ``extra_holidays``
    (``MM-DD``) are holidays every year besides the ``holiday_calendar``
    (a country code of the ``holidays`` package, or none). ``saturday`` and
    ``sunday`` set to none mean no calls on that day; ``holiday_calendar = "none"``
    means no holidays at all.

    ``zones_from_number`` (``us-tcpa``): the hours hold in the called party's
    local time, in every time zone ``phonenumbers`` gives for the number; a
    number whose zone is unknown must be inside the hours in every zone of
    ``unknown_zones``. Without a number, ``timezone`` is used.
    """

    timezone: str = "Europe/Amsterdam"
    weekday: Window = (time(9, 0), time(22, 0))
    saturday: Window | None = (time(10, 0), time(16, 0))
    sunday: Window | None = None
    short_days: tuple[str, ...] = ("12-05", "12-24", "05-04")
    short_day_end: time = time(18, 30)
    holiday_calendar: str | None = "NL"
    extra_holidays: tuple[str, ...] = ("05-05",)
    zones_from_number: bool = False
    unknown_zones: tuple[str, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return _known_zone(value)

    @field_validator("unknown_zones")
    @classmethod
    def _known_timezones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_known_zone(zone) for zone in value)

    @field_validator("holiday_calendar")
    @classmethod
    def _known_calendar(cls, value: str | None) -> str | None:
        if value is not None and value.lower() in ("", "none"):
            return None
        if value is not None and value not in _calendar_codes():
            raise ValueError(f"unknown holiday calendar {value!r}")
        return value

    @field_validator("short_days", "extra_holidays")
    @classmethod
    def _month_days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_parse_month_day(day) for day in value)

    @model_validator(mode="after")
    def _windows_run_forward(self) -> HoursRules:
        for name in ("weekday", "saturday", "sunday"):
            window: Window | None = getattr(self, name)
            if window is not None and not window[0] < window[1]:
                raise ValueError(f"{name}: the start must be before the end")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class CallingHours:
    """Answers whether a moment lies inside the calling hours of one profile."""

    def __init__(self, rules: HoursRules) -> None:
        self.rules = rules
        self._zone = rules.zone
        self._short_days = frozenset(rules.short_days)
        self._extra_holidays = frozenset(rules.extra_holidays)

    @cached_property
    def _calendar(self) -> holidays.HolidayBase | None:
        """Made on the first question about a day: making any country's calendar imports
        every country module of ``holidays`` (40-90 ms), which a command that never asks
        (``ivr scrub``, ``ivr check``) need not pay."""
        calendar = self.rules.holiday_calendar
        return None if calendar is None else holidays.country_holidays(calendar)

    def is_holiday(self, day: date) -> bool:
        if _month_day(day) in self._extra_holidays:
            return True
        return self._calendar is not None and day in self._calendar

    def window(self, day: date) -> Window | None:
        """The hours of ``day`` (a local date), or ``None`` when no calls are made that day."""
        if self.is_holiday(day):
            return None
        weekday = day.weekday()
        if weekday == _SUNDAY:
            return self.rules.sunday
        if weekday == _SATURDAY:
            return self.rules.saturday
        start, end = self.rules.weekday
        if _month_day(day) in self._short_days:
            end = min(end, self.rules.short_day_end)
        return (start, end) if start < end else None

    def reasons_at(self, at: datetime, number: str | None = None) -> list[Reason]:
        """Why ``at`` is outside the calling hours; empty when it is inside.

        ``number`` (E.164) matters only when the hours are the called party's.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("the time of a call must carry its time zone")
        if self.rules.zones_from_number and number is not None:
            zones = self.zones_of(number)
            if any(self._reasons_in(at, zone) for zone in zones):
                return [reason(ReasonCode.OUTSIDE_CALLING_HOURS_LOCAL)]
            return []
        return self._reasons_in(at, self._zone)

    def zones_of(self, number: str) -> list[ZoneInfo]:
        """The called party's possible time zones; ``unknown_zones`` stand in for one
        that is unknown (``Etc/Unknown``, or a name this machine's tzdata lacks)."""
        try:
            names = list(number_zones.time_zones_for_number(phonenumbers.parse(number, None)))
        except phonenumbers.NumberParseException:
            names = []
        zones: dict[str, ZoneInfo] = {}
        unknown = not names
        for name in names:
            try:
                zones[name] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                unknown = True
        if unknown:
            for name in self.rules.unknown_zones or (self.rules.timezone,):
                zones[name] = ZoneInfo(name)
        return list(zones.values())

    def _reasons_in(self, at: datetime, zone: ZoneInfo) -> list[Reason]:
        local = at.astimezone(zone)
        day = local.date()
        found: list[Reason] = []
        if day.weekday() == _SUNDAY and self.rules.sunday is None:
            found.append(reason(ReasonCode.SUNDAY))
        if self.is_holiday(day):
            found.append(reason(ReasonCode.PUBLIC_HOLIDAY))
        if found:
            return found
        window = self.window(day)
        if window is None or not window[0] <= local.time() < window[1]:
            found.append(reason(ReasonCode.OUTSIDE_CALLING_HOURS))
        return found


_SATURDAY = 5
_SUNDAY = 6


def _month_day(day: date) -> str:
    return f"{day.month:02d}-{day.day:02d}"


@cache
def _calendar_codes() -> frozenset[str]:
    """The country codes of ``holidays`` (``NL``, ``NLD``, ``UK``…) as its registry names
    them, without importing a country (``holidays.list_supported_countries`` imports all)."""
    return frozenset(EntityLoader.get_country_codes())
