from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ivr.clock import VirtualClock
from ivr.domain import OptOutKind
from ivr.rules.reasons import ReasonCode, reason
from ivr.store import Store
from tests.api.conftest import NUMBER, OTHER, READER, bearer, record

H = bearer(READER)
EXPIRED = reason(ReasonCode.PROFILE_EXPIRED).as_dict()


async def look_up(client: TestClient[Any, Any], number: str, query: str = "advertiser=acme") -> Any:
    response = await client.get(f"/v1/suppressions/{number}?{query}", headers=H)
    return response.status, await response.json()


async def test_a_clean_number_is_not_suppressed(client: TestClient[Any, Any]) -> None:
    status, body = await look_up(client, "0612345678")
    assert status == 200
    assert body == {
        "number": NUMBER,
        "advertiser": "acme",
        "suppressed": False,
        "reasons": [EXPIRED],  # nl-ctm2012 ended 2021-06-30: said in every decision
        "entries": [],
    }


@pytest.mark.parametrize(
    "form", ["0612345678", "+31612345678", "0031612345678", "06-12345678", "06 1234 5678"]
)
async def test_every_common_form_finds_the_recht_van_verzet(
    client: TestClient[Any, Any], store: Store, form: str
) -> None:
    row = await record(store)
    status, body = await look_up(client, form)
    assert status == 200
    assert body["number"] == NUMBER
    assert body["suppressed"] is True
    assert [r["code"] for r in body["reasons"]] == ["recht_van_verzet", "profile_expired"]
    assert body["reasons"][0]["message_nl"]
    (entry,) = body["entries"]
    assert entry["id"] == row.id
    assert set(entry) >= {
        "id",
        "number",
        "advertiser",
        "kind",
        "scope",
        "charities",
        "source",
        "agent",
        "call_id",
        "created_at",
        "created_by",
    }


async def test_another_advertisers_recht_van_verzet_does_not_count(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, advertiser="globex")
    _, body = await look_up(client, NUMBER)
    assert body["suppressed"] is False
    assert body["entries"] == []


async def test_a_register_entry_of_anyone_counts_with_a_grace_note(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, advertiser="globex", kind=OptOutKind.BEL_ME_NIET)
    _, body = await look_up(client, NUMBER)
    assert body["suppressed"] is True
    assert [r["code"] for r in body["reasons"]] == [
        "bel_me_niet",
        "register_grace_period",
        "profile_expired",
    ]


async def test_an_old_registration_has_no_grace_note(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await record(store, kind=OptOutKind.BEL_ME_NIET)
    await clock.advance(timedelta(weeks=7).total_seconds())
    _, body = await look_up(client, NUMBER)
    assert [r["code"] for r in body["reasons"]] == ["bel_me_niet", "profile_expired"]


async def test_a_partial_registration_counts_only_for_its_categories(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, kind=OptOutKind.BEL_ME_NIET, scope=("energie",))
    _, energie = await look_up(client, NUMBER, "advertiser=acme&category=energie")
    _, telecom = await look_up(client, NUMBER, "advertiser=acme&category=telecom-computers")
    assert energie["suppressed"] is True
    assert telecom["suppressed"] is False


async def test_a_revoked_opt_out_no_longer_counts(
    client: TestClient[Any, Any], store: Store
) -> None:
    from ivr.domain import OptOutSource

    row = await record(store)
    _, before = await look_up(client, NUMBER)
    assert before["suppressed"] is True
    await store.revoke(row.id, "asked", "consumer", "api", OptOutSource.API)
    _, body = await look_up(client, NUMBER)
    assert (body["suppressed"], body["reasons"], body["entries"]) == (False, [EXPIRED], [])


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/v1/suppressions/12?advertiser=acme", 422, "invalid_number"),
        ("/v1/suppressions/0612345678?advertiser=acmee", 404, "unknown_advertiser"),
        ("/v1/suppressions/0612345678?advertiser=acme&category=wapens", 422, "unknown_category"),
        ("/v1/suppressions/0612345678", 422, "invalid_request"),
        ("/v1/suppressions/0612345678?advertiser=acme&colour=red", 422, "invalid_request"),
    ],
)
async def test_bad_look_ups_say_what_is_wrong(
    client: TestClient[Any, Any], path: str, status: int, code: str
) -> None:
    response = await client.get(path, headers=H)
    assert response.status == status
    body = await response.json()
    assert body["error"] == code
    assert body["message"]


async def test_an_advertiser_known_only_from_the_store_is_known(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, advertiser="initech")
    status, body = await look_up(client, NUMBER, "advertiser=initech")
    assert status == 200
    assert body["suppressed"] is True


async def test_bulk_check_answers_in_order_with_invalid_numbers_per_item(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    numbers = ["06 1234 5678", "not a number", OTHER, "0031612345678"]
    response = await client.post(
        "/v1/suppressions/check", json={"advertiser": "acme", "numbers": numbers}, headers=H
    )
    assert response.status == 200
    body = await response.json()
    assert body["advertiser"] == "acme"
    results = body["results"]
    assert [r["input"] for r in results] == numbers
    assert [r["valid"] for r in results] == [True, False, True, True]
    assert [r["suppressed"] for r in results] == [True, None, False, True]
    assert results[1]["number"] is None
    assert results[0]["reasons"][0]["code"] == "recht_van_verzet"


async def test_bulk_check_takes_fifty_thousand_numbers_and_not_one_more(
    client: TestClient[Any, Any],
) -> None:
    numbers = [f"+316{n:08d}" for n in range(10_000_000, 10_050_000)]
    ok = await client.post(
        "/v1/suppressions/check", json={"advertiser": "acme", "numbers": numbers}, headers=H
    )
    assert ok.status == 200
    assert len((await ok.json())["results"]) == 50_000
    too_many = await client.post(
        "/v1/suppressions/check",
        json={"advertiser": "acme", "numbers": [*numbers, "0612345678"]},
        headers=H,
    )
    assert too_many.status == 413
    assert (await too_many.json())["error"] == "too_large"


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ('{"advertiser": "acme", "numbers": [', "application/json", 400, "malformed_json"),
        ('{"advertiser": "acme", "numbers": []}', "text/plain", 415, "unsupported_media_type"),
        ('{"advertiser": "acme"}', "application/json", 422, "invalid_request"),
        ('{"advertiser": "acme", "numbers": "0612"}', "application/json", 422, "invalid_request"),
        ('{"advertiser": "nobody", "numbers": []}', "application/json", 404, "unknown_advertiser"),
        ("[1, 2]", "application/json", 422, "invalid_request"),
    ],
)
async def test_bad_bulk_checks_say_what_is_wrong(
    client: TestClient[Any, Any], data: str, content_type: str, status: int, code: str
) -> None:
    response = await client.post(
        "/v1/suppressions/check",
        data=data,
        headers={**H, "Content-Type": content_type},
    )
    assert response.status == status
    assert (await response.json())["error"] == code
