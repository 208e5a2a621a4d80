from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate
from structlog.testing import capture_logs

from ivr.config import AdvertiserConfig
from ivr.store import Store
from tests.api.conftest import READER, MakeClient, bearer


async def test_healthz_says_ok_without_a_token(client: TestClient[Any, Any]) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_green_when_the_database_is_writable(client: TestClient[Any, Any]) -> None:
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {
        "status": "ready",
        "checks": {"database": True},
        "detail": ["profile_expired"],  # nl-ctm2012 ended 2021-06-30; still ready
    }


async def test_readyz_names_a_red_extra_check(make_client: MakeClient) -> None:
    async def ari_connected() -> bool:
        return False

    client = await make_client(readiness=[ari_connected])
    response = await client.get("/readyz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "not_ready"
    assert body["checks"] == {"database": True, "ari_connected": False}


async def test_readyz_is_red_when_a_check_raises(make_client: MakeClient) -> None:
    async def broken() -> bool:
        raise RuntimeError("boom")

    client = await make_client(readiness=[broken])
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["checks"]["broken"] is False


async def test_readyz_is_red_when_the_database_is_not_writable(
    make_client: MakeClient, store: Store, monkeypatch: Any
) -> None:
    async def not_writable() -> bool:
        return False

    monkeypatch.setattr(store, "check_writable", not_writable)
    client = await make_client()
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["checks"] == {"database": False}


async def test_metrics_are_prometheus_text_with_request_latency(
    client: TestClient[Any, Any],
) -> None:
    await client.get("/v1/suppressions/0612345678?advertiser=acme", headers=bearer(READER))
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    series = 'method="GET",route="/v1/suppressions/{number}"'
    assert f"ivr_http_request_duration_seconds_count{{{series}}} 1.0" in text
    for name in ("ivr_calls_total", "ivr_optouts_total", "ivr_ari_connected", "ivr_store_errors"):
        assert name in text


async def test_openapi_document_validates_and_lists_every_route(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/openapi.json")
    assert response.status == 200
    document = await response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in client.app.router.routes()
        if route.resource is not None
        and route.method != "HEAD"
        and not route.resource.canonical.startswith("/ui")  # the web page, HTML not API
    }
    documented = {
        (method, path) for path, operations in document["paths"].items() for method in operations
    }
    assert served == documented
    assert len(served) == 17


async def test_openapi_documents_the_error_body_and_bearer_auth(
    client: TestClient[Any, Any],
) -> None:
    document = await (await client.get("/openapi.json")).json()
    operation = document["paths"]["/v1/optouts/{optout_id}/revoke"]["post"]
    assert operation["security"] == [{"bearer": []}]
    conflict = operation["responses"]["409"]["content"]["application/json"]["schema"]
    assert conflict == {"$ref": "#/components/schemas/ErrorOut"}
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"error", "message"}
    export = document["paths"]["/v1/optouts"]["get"]
    names = [p["name"] for p in export["parameters"]]
    assert names == ["advertiser", "number", "since", "kind", "include_revoked", "format"]


async def test_readyz_says_profile_expired_only_for_a_profile_whose_period_ended(
    make_client: MakeClient,
) -> None:
    current = await make_client(profile="nl")
    assert (await (await current.get("/readyz")).json())["detail"] == []
    expired = await make_client(
        profile="nl", advertisers={"old": AdvertiserConfig(name="Old", profile="nl-ctm2012")}
    )
    response = await expired.get("/readyz")
    assert response.status == 200
    assert (await response.json())["detail"] == ["profile_expired"]


async def test_an_ended_profile_is_warned_about_once_at_start(make_client: MakeClient) -> None:
    with capture_logs() as logs:
        await make_client()
    warned = [e for e in logs if e["event"] == "profile.expired"]
    assert [(e["log_level"], e["profile"]) for e in warned] == [("warning", "nl-ctm2012")]
    with capture_logs() as logs:
        await make_client(profile="nl")
    assert not [e for e in logs if e["event"] == "profile.expired"]
