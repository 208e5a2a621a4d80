"""A retried manual entry never doubles the list (docs/design.md 10.1, 14.21)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ivr.api.app import make_api_app
from ivr.api.idempotency import fingerprint
from ivr.clock import VirtualClock
from ivr.domain import OptOutSource
from ivr.flow.profile import Profile
from ivr.metrics import Metrics
from ivr.store import Store
from ivr.store.idempotency import ClaimState
from tests.api.conftest import (
    ACME_WRITER,
    NUMBER,
    UNNAMED_WRITER,
    WRITER,
    bearer,
    record,
    settings,
)

ENTRY = {"number": "0612345678", "advertiser": "acme", "kind": "recht_van_verzet"}
REVOKE = {"reason": "consumer asked by phone", "requested_by": "consumer"}


def keyed(key: str, token: str = WRITER) -> dict[str, str]:
    return {**bearer(token), "Idempotency-Key": key}


async def post(
    client: TestClient[Any, Any], body: dict[str, Any], headers: dict[str, str], path: str = ""
) -> tuple[int, Any, dict[str, str]]:
    response = await client.post(path or "/v1/optouts", json=body, headers=headers)
    return response.status, await response.json(), dict(response.headers)


async def rows(store: Store) -> list[Any]:
    return [row async for row in store.iter_optouts(include_revoked=True)]


async def test_the_same_key_and_body_get_the_first_answer_again(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    first = await post(client, ENTRY, keyed("k-1"))
    await clock.advance(3600)
    reordered = dict(reversed(ENTRY.items()))  # the same JSON body, keys in another order
    again = await post(client, reordered, keyed("k-1"))
    assert first[0] == 201
    assert again[0] == 200
    assert again[1] == first[1]
    assert again[2].get("Idempotent-Replayed") == "true"
    assert len(await rows(store)) == 1


async def test_the_same_key_with_another_body_is_a_conflict(
    client: TestClient[Any, Any], store: Store
) -> None:
    assert (await post(client, ENTRY, keyed("k-1")))[0] == 201
    status, body, _ = await post(client, {**ENTRY, "number": "0687654321"}, keyed("k-1"))
    assert (status, body["error"]) == (409, "idempotency_conflict")
    assert [row.number for row in await rows(store)] == [NUMBER]


@pytest.mark.parametrize("key", ["", "x" * 201, "sleutel-é", "tab\there"])
async def test_a_bad_key_is_400_and_nothing_is_written(
    client: TestClient[Any, Any], store: Store, key: str
) -> None:
    response = await client.post(
        "/v1/optouts",
        json=ENTRY,
        headers={**bearer(WRITER), "Idempotency-Key": key.encode().decode("latin-1")},
    )
    assert (response.status, (await response.json())["error"]) == (400, "bad_idempotency_key")
    assert await rows(store) == []


async def test_a_200_character_key_of_printable_ascii_is_fine(
    client: TestClient[Any, Any],
) -> None:
    key = "".join(chr(c) for c in range(0x21, 0x7F)) + "k" * (200 - 94)
    assert (await post(client, ENTRY, keyed(key)))[0] == 201
    assert (await post(client, ENTRY, keyed(key)))[0] == 200


async def test_only_a_successful_answer_is_kept(client: TestClient[Any, Any], store: Store) -> None:
    bad = {**ENTRY, "number": "12"}
    assert (await post(client, bad, keyed("k-1")))[0] == 422
    assert (await post(client, bad, keyed("k-1")))[0] == 422
    assert (await post(client, ENTRY, keyed("k-1")))[0] == 201
    assert len(await rows(store)) == 1


async def test_a_key_in_flight_is_409_until_its_claim_is_abandoned(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    claim = await store.claim_idempotency_key(
        "writer", "k-1", fingerprint("POST", "/v1/optouts", ENTRY)
    )
    assert claim.state is ClaimState.CLAIMED
    status, body, _ = await post(client, ENTRY, keyed("k-1"))
    assert (status, body["error"]) == (409, "idempotency_in_progress")
    assert await rows(store) == []
    await clock.advance(61)  # the process that claimed it died
    assert (await post(client, ENTRY, keyed("k-1")))[0] == 201


async def test_two_retries_at_once_write_one_row(
    client: TestClient[Any, Any], store: Store
) -> None:
    answers = await asyncio.gather(*(post(client, ENTRY, keyed("k-1")) for _ in range(5)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses[0] == 201
    assert statuses.count(201) == 1
    assert set(statuses[1:]) <= {200, 409}
    assert len(await rows(store)) == 1


async def test_keys_are_kept_24_hours(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    assert (await post(client, ENTRY, keyed("k-1")))[0] == 201
    await clock.advance(24 * 3600 - 1)
    assert (await post(client, {**ENTRY, "number": "0687654321"}, keyed("k-1")))[0] == 409
    await clock.advance(2)
    assert (await post(client, {**ENTRY, "number": "0687654321"}, keyed("k-1")))[0] == 201
    assert len(await rows(store)) == 2


async def test_keys_belong_to_their_token(client: TestClient[Any, Any], store: Store) -> None:
    assert (await post(client, ENTRY, keyed("k-1", WRITER)))[0] == 201
    other = {**ENTRY, "number": "0687654321"}
    assert (await post(client, other, keyed("k-1", ACME_WRITER)))[0] == 201
    assert (
        await post(
            client,
            {**other, "kind": "bel_me_niet", "charities": True},
            keyed("k-1", UNNAMED_WRITER),
        )
    )[0] == 201
    assert len(await rows(store)) == 3


async def test_a_key_holds_across_processes_sharing_the_database(
    aiohttp_client: Any, db_url: str, clock: VirtualClock, profile: Profile
) -> None:
    first_store = await Store.open(db_url, clock)
    second_store = await Store.open(db_url, clock)
    try:
        first = await aiohttp_client(
            make_api_app(settings(), first_store, clock, Metrics.create(), profile)
        )
        second = await aiohttp_client(
            make_api_app(settings(), second_store, clock, Metrics.create(), profile)
        )
        status, body, _ = await post(first, ENTRY, keyed("k-1"))
        assert status == 201
        replay = await post(second, ENTRY, keyed("k-1"))
        assert (replay[0], replay[1]) == (200, body)
        conflict = await post(second, {**ENTRY, "number": "0687654321"}, keyed("k-1"))
        assert conflict[0] == 409
        assert len(await rows(second_store)) == 1
    finally:
        await first_store.close()
        await second_store.close()


async def test_a_revoke_with_a_key_answers_a_retry_with_the_same_revocation(
    client: TestClient[Any, Any], store: Store
) -> None:
    row = await record(store)
    path = f"/v1/optouts/{row.id}/revoke"
    first = await post(client, REVOKE, keyed("r-1"), path)
    again = await post(client, REVOKE, keyed("r-1"), path)
    assert (first[0], again[0]) == (201, 200)
    assert again[1] == first[1]
    other = await post(client, {**REVOKE, "reason": "another"}, keyed("r-1"), path)
    assert (other[0], other[1]["error"]) == (409, "idempotency_conflict")
    unkeyed = await post(client, REVOKE, bearer(WRITER), path)
    assert (unkeyed[0], unkeyed[1]["error"]) == (409, "already_revoked")
    assert len(await rows(store)) == 2


async def test_without_a_key_an_entry_identical_to_an_active_one_returns_it(
    client: TestClient[Any, Any], store: Store, metrics: Metrics, clock: VirtualClock
) -> None:
    register = {
        "number": "0612345678",
        "advertiser": "acme",
        "kind": "bel_me_niet",
        "scope": ["energie", "auto"],
    }
    first = await post(client, register, bearer(WRITER))
    await clock.advance(60)
    retry = await post(client, {**register, "scope": ["auto", "energie"]}, bearer(WRITER))
    assert (first[0], retry[0]) == (201, 200)
    assert retry[1] == first[1]
    wider = {**register, "scope": ["energie", "auto", "loterijen"]}
    assert (await post(client, wider, bearer(WRITER)))[0] == 201
    await store.revoke(first[1]["id"], "asked", "consumer", "api", OptOutSource.API)
    again = await post(client, register, bearer(WRITER))
    assert again[0] == 201
    assert again[1]["id"] != first[1]["id"]
    assert len(await rows(store)) == 4
    assert metrics.optouts.labels(kind="bel_me_niet", source="api")._value.get() == 3


async def test_the_openapi_document_names_the_header_and_its_errors(
    client: TestClient[Any, Any],
) -> None:
    document = await (await client.get("/openapi.json")).json()
    for path in ["/v1/optouts", "/v1/optouts/{optout_id}/revoke"]:
        operation = document["paths"][path]["post"]
        (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key"
        assert header["schema"]["maxLength"] == 200
        assert {"200", "400", "409"} <= set(operation["responses"])
        assert "idempotency_conflict" in operation["responses"]["409"]["description"]
