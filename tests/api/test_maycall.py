from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from ivr.domain import OptOutKind
from ivr.store import Store
from tests.api.conftest import NUMBER, READER, bearer, record

H = bearer(READER)


async def may_call(client: TestClient[Any, Any], query: str) -> tuple[int, Any]:
    response = await client.get(f"/v1/may-call?{query}", headers=H)
    return response.status, await response.json()


def codes(body: Any) -> list[str]:
    """The codes besides ``profile_expired``: nl-ctm2012 ended 2021-06-30, and these tests
    decide under it in 2026 (see the test below)."""
    return [r["code"] for r in body["reasons"] if r["code"] != "profile_expired"]


async def test_a_decision_under_an_ended_profile_says_so(client: TestClient[Any, Any]) -> None:
    _, body = await may_call(client, "number=0612345678&advertiser=acme")
    assert (body["profile"], body["reasons"][-1]["code"]) == ("nl-ctm2012", "profile_expired")
    _, before = await may_call(client, "number=0612345678&advertiser=acme&at=2021-06-30T12:00Z")
    assert "profile_expired" not in [r["code"] for r in before["reasons"]]


async def test_a_clean_number_in_hours_may_be_called_now(client: TestClient[Any, Any]) -> None:
    status, body = await may_call(client, "number=0612345678&advertiser=acme")
    assert status == 200
    assert body["allowed"] is True
    assert body["number"] == NUMBER
    assert body["at"].startswith("2026-03-02T10:00:00")
    assert codes(body) == []


async def test_a_recht_van_verzet_forbids_the_call(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    _, body = await may_call(client, "number=0612345678&advertiser=acme")
    assert body["allowed"] is False
    assert codes(body) == ["recht_van_verzet"]
    assert body["reasons"][0]["message_nl"]


async def test_a_requested_call_lifts_the_recht_van_verzet(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    _, body = await may_call(client, "number=0612345678&advertiser=acme&relation=requested")
    assert body["allowed"] is True
    assert codes(body) == ["exception_requested_call"]


async def test_a_customer_relation_lifts_a_register_entry(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, kind=OptOutKind.BEL_ME_NIET, scope=("energie",))
    _, body = await may_call(
        client, "number=0612345678&advertiser=acme&relation=customer&category=energie"
    )
    assert body["allowed"] is True
    assert codes(body) == ["exception_customer"]


@pytest.mark.parametrize(
    ("at", "allowed", "expected"),
    [
        ("2026-03-07T15:59:00+01:00", True, []),
        ("2026-03-07T16:00:00+01:00", False, ["outside_calling_hours"]),
        ("2026-03-08T12:00:00+01:00", False, ["sunday"]),
        ("2026-04-27T12:00:00+02:00", False, ["public_holiday"]),
        ("2026-03-02T21:30:00Z", False, ["outside_calling_hours"]),
    ],
)
async def test_the_calling_hours_apply_at_the_given_moment(
    client: TestClient[Any, Any], at: str, allowed: bool, expected: list[str]
) -> None:
    _, body = await may_call(client, f"number=0612345678&advertiser=acme&at={quote(at)}")
    assert (body["allowed"], codes(body)) == (allowed, expected)


async def test_an_unescaped_plus_in_the_offset_still_reads(client: TestClient[Any, Any]) -> None:
    status, body = await may_call(
        client, "number=0612345678&advertiser=acme&at=2026-03-07T16:00:00+01:00"
    )
    assert status == 200
    assert body["at"] == "2026-03-07T16:00:00+01:00"
    assert body["allowed"] is False


async def test_a_call_back_appointment_may_be_after_hours(client: TestClient[Any, Any]) -> None:
    at = quote("2026-03-02T22:30:00+01:00")
    _, body = await may_call(client, f"number=0612345678&advertiser=acme&at={at}&relation=callback")
    assert body["allowed"] is True
    assert codes(body) == ["exception_callback"]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("number=0612&advertiser=acme", 422, "invalid_number"),
        ("number=0612345678&advertiser=acme&at=2026-03-02T10:00:00", 422, "invalid_date"),
        ("number=0612345678&advertiser=acme&at=tomorrow", 422, "invalid_date"),
        ("number=0612345678&advertiser=acme&relation=friend", 422, "invalid_request"),
        ("number=0612345678&advertiser=acme&category=wapens", 422, "unknown_category"),
        ("number=0612345678&advertiser=nobody", 404, "unknown_advertiser"),
        ("advertiser=acme", 422, "invalid_request"),
    ],
)
async def test_bad_questions_say_what_is_wrong(
    client: TestClient[Any, Any], query: str, status: int, code: str
) -> None:
    got, body = await may_call(client, query)
    assert (got, body["error"]) == (status, code)
