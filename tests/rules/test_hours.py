"""Calling hours of CTM 2012 art. 9 on concrete dates, in Europe/Amsterdam."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ivr.rules.hours import CallingHours, HoursRules

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HOURS = CallingHours(HoursRules())
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

PROFILE_TABLE = """
[hours]
timezone = "Europe/Amsterdam"
weekday = ["09:00", "22:00"]
saturday = ["10:00", "16:00"]
short_days = ["12-05", "12-24", "05-04"]
short_day_end = "18:30"
holiday_calendar = "NL"
extra_holidays = ["05-05"]
"""


def local(day: str, clock: str, weekday: str) -> datetime:
    """A moment in Amsterdam; ``weekday`` guards the test's reading of the calendar."""
    moment = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=AMSTERDAM)
    assert WEEKDAYS[moment.weekday()] == weekday
    return moment


def codes(at: datetime, hours: CallingHours = HOURS) -> list[str]:
    return [reason.code for reason in hours.reasons_at(at)]


def test_profile_table_parses_to_the_defaults() -> None:
    table = tomllib.loads(PROFILE_TABLE)["hours"]
    rules = HoursRules.model_validate(table)
    assert rules == HoursRules()
    assert rules.weekday == (time(9), time(22))
    assert rules.short_days == ("12-05", "12-24", "05-04")


@pytest.mark.parametrize(
    "bad",
    [
        {"weekday": ["22:00", "09:00"]},
        {"saturday": ["10:00", "10:00"]},
        {"weekday": ["9 uur", "22:00"]},
        {"short_days": ["12-32"]},
        {"extra_holidays": ["5 mei"]},
        {"timezone": "Europe/Amsterdamm"},
        {"holiday_calendar": "XX"},
        {"holiday_calendar": "nl"},
        {"holiday_calendar": "NYSE"},  # a market's calendar, not a country's
        {"weekdays": ["09:00", "22:00"]},
    ],
)
def test_profile_table_mistakes_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        HoursRules.model_validate(bad)


@pytest.mark.parametrize(("code", "day"), [("NLD", "2026-04-27"), ("UK", "2026-12-28")])
def test_a_calendar_is_named_by_any_code_of_its_country(code: str, day: str) -> None:
    assert CallingHours(HoursRules(holiday_calendar=code)).is_holiday(date.fromisoformat(day))


@pytest.mark.parametrize(
    ("clock", "allowed"),
    [("08:59", False), ("09:00", True), ("12:00", True), ("21:59", True), ("22:00", False)],
)
def test_working_day_runs_from_nine_to_ten(clock: str, allowed: bool) -> None:
    at = local("2026-03-10", clock, "Tuesday")
    assert codes(at) == ([] if allowed else ["outside_calling_hours"])


@pytest.mark.parametrize(
    ("clock", "allowed"),
    [("09:59", False), ("10:00", True), ("15:59", True), ("16:00", False), ("20:00", False)],
)
def test_saturday_runs_from_ten_to_four(clock: str, allowed: bool) -> None:
    at = local("2026-03-14", clock, "Saturday")
    assert codes(at) == ([] if allowed else ["outside_calling_hours"])


@pytest.mark.parametrize(
    ("clock", "allowed"),
    [("08:59", False), ("09:00", True), ("18:29", True), ("18:30", False), ("18:31", False)],
)
def test_christmas_eve_on_a_working_day_ends_at_half_past_six(clock: str, allowed: bool) -> None:
    at = local("2025-12-24", clock, "Wednesday")
    assert codes(at) == ([] if allowed else ["outside_calling_hours"])


@pytest.mark.parametrize(("day", "weekday"), [("2025-12-05", "Friday"), ("2026-05-04", "Monday")])
def test_sinterklaas_and_remembrance_day_on_working_days_end_at_half_past_six(
    day: str, weekday: str
) -> None:
    assert codes(local(day, "18:29", weekday)) == []
    assert codes(local(day, "18:30", weekday)) == ["outside_calling_hours"]
    assert codes(local(day, "21:00", weekday)) == ["outside_calling_hours"]


@pytest.mark.parametrize(("day"), ["2026-12-05", "2024-05-04"])
def test_short_day_on_a_saturday_keeps_saturday_hours(day: str) -> None:
    assert codes(local(day, "09:59", "Saturday")) == ["outside_calling_hours"]
    assert codes(local(day, "10:00", "Saturday")) == []
    assert codes(local(day, "15:59", "Saturday")) == []
    assert codes(local(day, "16:00", "Saturday")) == ["outside_calling_hours"]


def test_sunday_is_never_a_calling_day() -> None:
    for clock in ("00:00", "09:00", "12:00", "21:59"):
        assert codes(local("2026-03-15", clock, "Sunday")) == ["sunday"]


@pytest.mark.parametrize(
    ("day", "weekday", "name"),
    [
        ("2026-01-01", "Thursday", "Nieuwjaarsdag"),
        ("2026-04-03", "Friday", "Goede Vrijdag"),
        ("2026-04-06", "Monday", "Tweede paasdag"),
        ("2026-04-27", "Monday", "Koningsdag"),
        ("2025-04-26", "Saturday", "Koningsdag a day early: 27 April 2025 is a Sunday"),
        ("2014-04-26", "Saturday", "Koningsdag a day early: 27 April 2014 is a Sunday"),
        ("2026-05-05", "Tuesday", "Bevrijdingsdag in a year the package skips"),
        ("2025-05-05", "Monday", "Bevrijdingsdag in a lustrum year"),
        ("2026-05-14", "Thursday", "Hemelvaartsdag"),
        ("2026-05-25", "Monday", "Tweede pinksterdag"),
        ("2026-12-25", "Friday", "Eerste kerstdag"),
        ("2025-12-26", "Friday", "Tweede kerstdag"),
    ],
)
def test_public_holidays_have_no_calls(day: str, weekday: str, name: str) -> None:
    at = local(day, "12:00", weekday)
    assert HOURS.is_holiday(at.date()), name
    assert codes(at) == ["public_holiday"], name


def test_holiday_on_a_sunday_gives_both_reasons() -> None:
    assert codes(local("2026-04-05", "12:00", "Sunday")) == ["sunday", "public_holiday"]


def test_days_around_the_holidays_are_ordinary() -> None:
    assert codes(local("2026-05-01", "12:00", "Friday")) == []  # 1 May is no Dutch holiday
    assert codes(local("2025-04-28", "12:00", "Monday")) == []  # after an early Koningsdag
    assert codes(local("2026-04-26", "12:00", "Sunday")) == ["sunday"]  # not a holiday itself
    assert not HOURS.is_holiday(date(2026, 4, 26))


def test_what_the_holidays_package_gives_for_the_netherlands() -> None:
    assert sorted(holidays.country_holidays("NL", years=2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 5),
        date(2026, 4, 6),
        date(2026, 4, 27),
        date(2026, 5, 14),
        date(2026, 5, 24),
        date(2026, 5, 25),
        date(2026, 12, 25),
        date(2026, 12, 26),
    ]
    assert date(2025, 5, 5) in holidays.country_holidays("NL", years=2025)
    assert date(2025, 4, 26) in holidays.country_holidays("NL", years=2025)


def test_fifth_of_may_comes_from_the_profile_not_the_package() -> None:
    without_extra = CallingHours(HoursRules(extra_holidays=()))
    at = local("2027-05-05", "12:00", "Wednesday")
    assert codes(at) == ["public_holiday"]
    assert codes(at, without_extra) == []


def test_a_profile_without_a_holiday_calendar_uses_only_its_own_days() -> None:
    hours = CallingHours(HoursRules(holiday_calendar=None))
    assert codes(local("2026-12-25", "12:00", "Friday"), hours) == []
    assert codes(local("2026-05-05", "12:00", "Tuesday"), hours) == ["public_holiday"]


@pytest.mark.parametrize(
    ("utc", "allowed"),
    [
        ("2026-03-27T07:59", False),  # Friday before summer time: 08:59 CET
        ("2026-03-27T08:00", True),  # 09:00 CET
        ("2026-03-30T06:59", False),  # Monday after: 08:59 CEST
        ("2026-03-30T07:00", True),  # 09:00 CEST
        ("2026-03-30T19:59", True),  # 21:59 CEST
        ("2026-03-30T20:00", False),  # 22:00 CEST
        ("2026-10-26T07:59", False),  # Monday after winter time: 08:59 CET
        ("2026-10-26T08:00", True),  # 09:00 CET
        ("2026-10-26T20:59", True),  # 21:59 CET
        ("2026-10-26T21:00", False),  # 22:00 CET
    ],
)
def test_hours_follow_daylight_saving_time(utc: str, allowed: bool) -> None:
    at = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert codes(at) == ([] if allowed else ["outside_calling_hours"])


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])
def test_the_clock_change_days_are_sundays(day: str) -> None:
    for hour in range(24):
        at = datetime.fromisoformat(f"{day}T00:00").replace(tzinfo=UTC) + timedelta(hours=hour)
        assert at.astimezone(AMSTERDAM).weekday() != 6 or codes(at) == ["sunday"]


def test_a_sunday_window_follows_the_clock_change() -> None:
    every_day = CallingHours(HoursRules(sunday=(time(9), time(21)), holiday_calendar=None))
    spring = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST, the day summer time starts
    autumn = datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 09:00 CET, the day winter time starts
    assert codes(spring, every_day) == []
    assert codes(spring - timedelta(minutes=1), every_day) == ["outside_calling_hours"]
    assert codes(autumn, every_day) == []
    assert codes(autumn - timedelta(minutes=1), every_day) == ["outside_calling_hours"]


def test_the_same_moment_in_utc_and_in_plus_two_gets_the_same_answer() -> None:
    last_minute_utc = datetime(2026, 6, 1, 19, 59, tzinfo=UTC)
    last_minute_cest = datetime(2026, 6, 1, 21, 59, tzinfo=timezone(timedelta(hours=2)))
    assert last_minute_utc == last_minute_cest
    assert codes(last_minute_utc) == codes(last_minute_cest) == []
    closing_utc = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)
    closing_cest = datetime(2026, 6, 1, 22, 0, tzinfo=timezone(timedelta(hours=2)))
    assert codes(closing_utc) == codes(closing_cest) == ["outside_calling_hours"]


def test_the_local_date_decides_the_day() -> None:
    saturday_night_utc = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)  # Sunday 00:30 in Amsterdam
    assert codes(saturday_night_utc) == ["sunday"]
    christmas_eve_utc = datetime(2026, 12, 24, 23, 30, tzinfo=UTC)  # 25 December 00:30
    assert codes(christmas_eve_utc) == ["public_holiday"]


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        HOURS.reasons_at(datetime(2026, 3, 10, 12, 0))


aware_moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.timezones()
)


@given(aware_moments)
def test_reasons_at_never_raises_and_sundays_are_never_allowed(at: datetime) -> None:
    found = codes(at)
    assert set(found) <= {"sunday", "public_holiday", "outside_calling_hours"}
    if at.astimezone(AMSTERDAM).weekday() == 6:
        assert "sunday" in found


@given(aware_moments)
def test_the_answer_depends_on_the_instant_not_on_its_zone(at: datetime) -> None:
    assert codes(at) == codes(at.astimezone(UTC)) == codes(at.astimezone(AMSTERDAM))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_allowed_moment_lies_in_the_days_window(day: date) -> None:
    window = HOURS.window(day)
    noon = datetime.combine(day, time(12), tzinfo=AMSTERDAM)
    if window is None:
        assert codes(noon)
    else:
        start = datetime.combine(day, window[0], tzinfo=AMSTERDAM)
        end = datetime.combine(day, window[1], tzinfo=AMSTERDAM)
        assert codes(start) == []
        assert codes(end - timedelta(microseconds=1)) == []
        assert codes(end) == ["outside_calling_hours"]
        assert codes(start - timedelta(microseconds=1)) == ["outside_calling_hours"]
