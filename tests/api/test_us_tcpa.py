"""An advertiser under ``us-tcpa`` (docs/design.md 11.4, 14.16): US numbers, the called party's
hours, the do-not-call list, the National DNC notice."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from ivr.config import AdvertiserConfig
from tests.api.conftest import READER, WRITER, MakeClient, bearer

NEW_YORK = "+12125550123"
CHICAGO = "+13125550123"
LOS_ANGELES = "+12135550123"
HONOLULU = "+18085550123"
MORNING = "2026-07-15T08:30:00-04:00"  # Eastern daylight time
EVENING = "2026-07-15T20:30:00-04:00"


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient[Any, Any]:
    advertisers = {
        "usco": AdvertiserConfig(name="US Co", profile="us-tcpa"),
        "acme": AdvertiserConfig(name="Acme"),
    }
    return await make_client(advertisers=advertisers)


async def ask(client: TestClient[Any, Any], number: str, at: str) -> tuple[bool, list[str]]:
    response = await client.get(
        f"/v1/may-call?number={quote(number)}&advertiser=usco&at={quote(at)}",
        headers=bearer(READER),
    )
    body = await response.json()
    assert response.status == 200, body
    assert body["profile"] == "us-tcpa"
    return body["allowed"], [r["code"] for r in body["reasons"]]


@pytest.mark.parametrize(
    ("number", "morning", "evening"),
    [
        (NEW_YORK, True, True),
        (CHICAGO, False, True),
        (LOS_ANGELES, False, True),
        (HONOLULU, False, True),
    ],
)
async def test_08_30_and_20_30_eastern_in_four_time_zones(
    client: TestClient[Any, Any], number: str, morning: bool, evening: bool
) -> None:
    allowed, codes = await ask(client, number, MORNING)
    assert allowed is morning
    expected = [] if morning else ["outside_calling_hours_local"]
    assert codes == [*expected, "national_dnc_not_checked"]
    assert (await ask(client, number, EVENING)) == (evening, ["national_dnc_not_checked"])


async def test_numbers_are_read_as_us_numbers_for_a_us_advertiser(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get(
        f"/v1/may-call?number={quote('(212) 555-0123')}&advertiser=usco&at={quote(EVENING)}",
        headers=bearer(READER),
    )
    assert (await response.json())["number"] == NEW_YORK
    dutch = await client.get(
        f"/v1/suppressions/{quote('(212) 555-0123')}?advertiser=acme", headers=bearer(READER)
    )
    assert dutch.status == 422  # a Dutch advertiser reads it as a Dutch number: invalid


async def test_a_do_not_call_request_suppresses_like_a_recht_van_verzet(
    client: TestClient[Any, Any],
) -> None:
    created = await client.post(
        "/v1/optouts",
        json={"number": "212-555-0123", "advertiser": "usco", "kind": "do_not_call"},
        headers=bearer(WRITER),
    )
    assert created.status == 201, await created.text()
    assert (await created.json())["number"] == NEW_YORK
    assert await ask(client, NEW_YORK, EVENING) == (
        False,
        ["do_not_call", "national_dnc_not_checked"],
    )
    check = await client.post(
        "/v1/suppressions/check",
        json={"advertiser": "usco", "numbers": ["(212) 555-0123", "(312) 555-0123"]},
        headers=bearer(READER),
    )
    results = (await check.json())["results"]
    assert [r["suppressed"] for r in results] == [True, False]
