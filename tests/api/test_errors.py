from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from structlog.testing import capture_logs

from ivr.metrics import Metrics
from ivr.store import Store, StoreError
from tests.api.conftest import READER, WRITER, bearer


async def test_an_unknown_path_is_a_json_404(client: TestClient[Any, Any]) -> None:
    response = await client.get("/v2/nothing")
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"


async def test_a_wrong_method_is_a_json_405(client: TestClient[Any, Any]) -> None:
    response = await client.delete("/v1/optouts", headers=bearer(WRITER))
    assert response.status == 405
    assert (await response.json())["error"] == "method_not_allowed"


async def test_an_unexpected_failure_is_a_500_without_a_stack_trace(
    client: TestClient[Any, Any], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals at line 42")

    monkeypatch.setattr(store, "active_optouts", broken)
    with capture_logs() as logs:
        response = await client.get(
            "/v1/suppressions/0612345678?advertiser=acme", headers=bearer(READER)
        )
    assert response.status == 500
    (logged,) = [entry for entry in logs if entry["event"] == "api.internal_error"]
    assert logged["route"] == "/v1/suppressions/{number}"
    assert "0612345678" not in repr(logs)
    assert READER not in repr(logs)
    body = await response.json()
    assert body["error"] == "internal_error"
    assert "secret" not in body["message"]
    assert "Traceback" not in await response.text()


async def test_a_store_failure_is_503_and_counted(
    client: TestClient[Any, Any], store: Store, metrics: Metrics, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise StoreError("database or disk is full")

    monkeypatch.setattr(store, "record_manual_optout", disk_full)
    response = await client.post(
        "/v1/optouts",
        json={"number": "0612345678", "advertiser": "acme", "kind": "recht_van_verzet"},
        headers=bearer(WRITER),
    )
    assert response.status == 503
    assert (await response.json())["error"] == "store_unavailable"
    assert metrics.store_errors._value.get() == 1
    assert metrics.optouts.labels(kind="recht_van_verzet", source="api")._value.get() == 0
