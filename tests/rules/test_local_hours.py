"""us-tcpa: 08:00-21:00 in every time zone of the called number (docs/design.md 11.4, 14.16)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.flow.profile import load_profile
from ivr.rules.hours import CallingHours

EASTERN = ZoneInfo("America/New_York")
NEW_YORK = "+12125550123"
CHICAGO = "+13125550123"
LOS_ANGELES = "+12135550123"
HONOLULU = "+18085550123"


@pytest.fixture
def hours() -> CallingHours:
    return CallingHours(load_profile("us-tcpa").hours)


@pytest.mark.parametrize(
    ("number", "at_0830", "at_2030"),
    [
        (NEW_YORK, True, True),
        (CHICAGO, False, True),  # 07:30 / 19:30 Central
        (LOS_ANGELES, False, True),  # 05:30 / 17:30 Pacific
        (HONOLULU, False, True),  # 03:30 / 15:30 Hawaii (no daylight saving)
    ],
)
def test_the_hours_are_the_called_partys(
    hours: CallingHours, number: str, at_0830: bool, at_2030: bool
) -> None:
    morning = datetime(2026, 7, 15, 8, 30, tzinfo=EASTERN)
    evening = datetime(2026, 7, 15, 20, 30, tzinfo=EASTERN)
    assert (not hours.reasons_at(morning, number)) is at_0830
    assert (not hours.reasons_at(evening, number)) is at_2030
    if not at_0830:
        assert [r.code for r in hours.reasons_at(morning, number)] == [
            "outside_calling_hours_local"
        ]


def test_no_holidays_and_every_day_of_the_week(hours: CallingHours) -> None:
    independence_day = datetime(2026, 7, 4, 12, 0, tzinfo=EASTERN)  # a Saturday
    christmas = datetime(2026, 12, 25, 12, 0, tzinfo=EASTERN)
    sunday = datetime(2026, 7, 12, 12, 0, tzinfo=EASTERN)
    for moment in (independence_day, christmas, sunday):
        assert hours.reasons_at(moment, NEW_YORK) == []


def test_21_00_is_outside_and_08_00_inside(hours: CallingHours) -> None:
    assert hours.reasons_at(datetime(2026, 7, 15, 8, 0, tzinfo=EASTERN), NEW_YORK) == []
    assert hours.reasons_at(datetime(2026, 7, 15, 21, 0, tzinfo=EASTERN), NEW_YORK) != []


def test_a_number_spanning_zones_must_be_inside_in_every_one(hours: CallingHours) -> None:
    alaska = "+19075550123"  # America/Anchorage and America/Adak
    assert {z.key for z in hours.zones_of(alaska)} == {"America/Anchorage", "America/Adak"}
    anchorage_0830 = datetime(2026, 7, 15, 8, 30, tzinfo=ZoneInfo("America/Anchorage"))
    assert hours.reasons_at(anchorage_0830, alaska) != []  # 07:30 on Adak
    assert hours.reasons_at(anchorage_0830.replace(hour=9, minute=30), alaska) == []


def test_a_number_of_unknown_zone_must_be_inside_in_every_us_zone(hours: CallingHours) -> None:
    unknown = "+19995550123"  # phonenumbers says Etc/Unknown
    zones = {z.key for z in hours.zones_of(unknown)}
    assert zones == set(load_profile("us-tcpa").hours.unknown_zones)
    assert {"America/New_York", "Pacific/Honolulu", "America/Los_Angeles"} <= zones
    assert hours.reasons_at(datetime(2026, 7, 15, 12, 0, tzinfo=EASTERN), unknown) != []
    assert hours.reasons_at(datetime(2026, 7, 15, 16, 0, tzinfo=EASTERN), unknown) == []


def test_a_toll_free_number_spans_every_zone_phonenumbers_gives(hours: CallingHours) -> None:
    toll_free = "+18005550123"  # every NANP zone, from Guam (UTC+10) to Pago Pago (UTC-11)
    assert {"Pacific/Guam", "Pacific/Pago_Pago"} <= {z.key for z in hours.zones_of(toll_free)}
    assert hours.reasons_at(datetime(2026, 7, 15, 18, 30, tzinfo=EASTERN), toll_free) == []
    assert hours.reasons_at(datetime(2026, 7, 15, 16, 0, tzinfo=EASTERN), toll_free) != []


def test_dutch_hours_ignore_the_number() -> None:
    hours = CallingHours(load_profile("nl-2021").hours)
    monday_2130 = datetime(2026, 3, 2, 21, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert hours.reasons_at(monday_2130, NEW_YORK) == []
