from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ivr.metrics import Metrics
from ivr.store import Store
from tests.api.conftest import (
    ACME_WRITER,
    NUMBER,
    UNNAMED_WRITER,
    WRITER,
    bearer,
    record,
)

W = bearer(WRITER)


async def post(client: TestClient[Any, Any], body: dict[str, Any], token: str = WRITER) -> Any:
    response = await client.post("/v1/optouts", json=body, headers=bearer(token))
    return response.status, await response.json()


async def test_an_agent_records_a_recht_van_verzet(
    client: TestClient[Any, Any], store: Store, metrics: Metrics
) -> None:
    status, body = await post(
        client,
        {"number": "06-12345678", "advertiser": "acme", "kind": "recht_van_verzet", "agent": "a7"},
    )
    assert status == 201
    assert body["number"] == NUMBER
    assert body["kind"] == "recht_van_verzet"
    assert body["source"] == "agent"
    assert body["agent"] == "a7"
    assert body["created_by"] == "token:writer"
    assert body["scope"] is None
    stored = await store.get_optout(body["id"])
    assert stored is not None and stored.number == NUMBER
    assert metrics.optouts.labels(kind="recht_van_verzet", source="agent")._value.get() == 1


async def test_without_an_agent_the_source_is_api(client: TestClient[Any, Any]) -> None:
    status, body = await post(
        client, {"number": "0612345678", "advertiser": "acme", "kind": "recht_van_verzet"}
    )
    assert status == 201
    assert (body["source"], body["agent"]) == ("api", None)


@pytest.mark.parametrize(("agent", "created_by"), [("a7", "agent:a7"), (None, "api")])
async def test_an_unnamed_token_records_the_agent_or_api(
    client: TestClient[Any, Any], agent: str | None, created_by: str
) -> None:
    body = {"number": "0612345678", "advertiser": "acme", "kind": "recht_van_verzet"}
    if agent:
        body["agent"] = agent
    status, out = await post(client, body, UNNAMED_WRITER)
    assert status == 201
    assert out["created_by"] == created_by


async def test_a_register_entry_defaults_to_scope_all(client: TestClient[Any, Any]) -> None:
    status, body = await post(
        client,
        {"number": "0612345678", "advertiser": "acme", "kind": "bel_me_niet", "charities": True},
    )
    assert status == 201
    assert (body["scope"], body["charities"]) == ("all", True)


async def test_a_partial_registration_keeps_its_categories(client: TestClient[Any, Any]) -> None:
    status, body = await post(
        client,
        {
            "number": "0612345678",
            "advertiser": "acme",
            "kind": "bel_me_niet",
            "scope": ["energie", "loterijen"],
        },
        ACME_WRITER,
    )
    assert status == 201
    assert body["scope"] == ["energie", "loterijen"]
    assert body["charities"] is None
    assert body["created_by"] == "token:acme-desk"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"number": "12", "kind": "recht_van_verzet"}, 422, "invalid_number"),
        ({"kind": "revocation"}, 422, "invalid_request"),
        ({"kind": "bel_me_niet", "scope": ["wapens"]}, 422, "unknown_category"),
        ({"kind": "bel_me_niet", "scope": []}, 422, "invalid_scope"),
        ({"kind": "bel_me_niet", "scope": ["energie"], "charities": True}, 422, "invalid_scope"),
        ({"kind": "recht_van_verzet", "scope": "all"}, 422, "invalid_scope"),
        ({"kind": "recht_van_verzet", "advertiser": "acmee"}, 404, "unknown_advertiser"),
        ({"kind": "recht_van_verzet", "extra": 1}, 422, "invalid_request"),
    ],
)
async def test_a_bad_entry_is_refused_and_nothing_is_written(
    client: TestClient[Any, Any], store: Store, body: dict[str, Any], status: int, code: str
) -> None:
    full = {"number": "0612345678", "advertiser": "acme", **body}
    got, out = await post(client, full)
    assert (got, out["error"]) == (status, code)
    assert [row async for row in store.iter_optouts(include_revoked=True)] == []


async def test_malformed_json_is_400_and_a_form_is_415(client: TestClient[Any, Any]) -> None:
    bad = await client.post(
        "/v1/optouts", data="{", headers={**W, "Content-Type": "application/json"}
    )
    assert (bad.status, (await bad.json())["error"]) == (400, "malformed_json")
    form = await client.post("/v1/optouts", data={"number": "0612345678"}, headers=W)
    assert (form.status, (await form.json())["error"]) == (415, "unsupported_media_type")


async def test_revoke_once_then_conflict(
    client: TestClient[Any, Any], store: Store, metrics: Metrics
) -> None:
    row = await record(store)
    body = {"reason": "consumer asked by phone", "requested_by": "consumer"}
    first = await client.post(f"/v1/optouts/{row.id}/revoke", json=body, headers=W)
    assert first.status == 201
    revocation = await first.json()
    assert revocation["kind"] == "revocation"
    assert revocation["revokes"] == row.id
    assert revocation["reason"] == "consumer asked by phone"
    assert revocation["created_by"] == "token:writer"
    assert await store.active_optouts(NUMBER, "acme") == []
    second = await client.post(f"/v1/optouts/{row.id}/revoke", json=body, headers=W)
    assert second.status == 409
    assert (await second.json())["error"] == "already_revoked"
    assert metrics.optouts.labels(kind="revocation", source="api")._value.get() == 1


async def test_revoking_an_unknown_id_or_a_revocation_is_404(
    client: TestClient[Any, Any], store: Store
) -> None:
    body = {"reason": "r", "requested_by": "consumer"}
    response = await client.post("/v1/optouts/nope/revoke", json=body, headers=W)
    assert (response.status, (await response.json())["error"]) == (404, "not_found")
    row = await record(store)
    revocation = await (
        await client.post(f"/v1/optouts/{row.id}/revoke", json=body, headers=W)
    ).json()
    again = await client.post(f"/v1/optouts/{revocation['id']}/revoke", json=body, headers=W)
    assert again.status == 404


async def test_a_revoke_needs_a_reason_and_who_asked(
    client: TestClient[Any, Any], store: Store
) -> None:
    row = await record(store)
    response = await client.post(f"/v1/optouts/{row.id}/revoke", json={"reason": ""}, headers=W)
    assert response.status == 422
    assert await store.active_optouts(NUMBER, "acme") != []


async def test_a_bound_token_may_not_revoke_another_advertisers_opt_out(
    client: TestClient[Any, Any], store: Store
) -> None:
    row = await record(store, advertiser="globex")
    response = await client.post(
        f"/v1/optouts/{row.id}/revoke",
        json={"reason": "r", "requested_by": "consumer"},
        headers=bearer(ACME_WRITER),
    )
    assert response.status == 403
    assert await store.active_optouts(NUMBER, "globex") != []
