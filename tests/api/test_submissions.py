from __future__ import annotations

import csv
import io
import json
from typing import Any

from aiohttp.test_utils import TestClient

from ivr.clock import VirtualClock
from ivr.domain import OptOutKind, OptOutSource
from ivr.store import Store
from tests.api.conftest import NUMBER, OTHER, READER, bearer, record

H = bearer(READER)


async def test_only_active_register_entries_are_submitted(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await record(store)
    await record(store, kind=OptOutKind.BEL_ME_NIET, scope=("energie", "auto"), call_id="c9")
    await clock.advance(1)
    revoked = await record(store, number=OTHER, kind=OptOutKind.BEL_ME_NIET, charities=False)
    await store.revoke(revoked.id, "asked", "consumer", "api", OptOutSource.API)
    response = await client.get("/v1/register-submissions", headers=H)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows == [
        ["number", "scope", "charities", "created_at", "call_id"],
        [NUMBER, "energie|auto", "", "2026-03-02T10:00:00.000000+00:00", "c9"],
    ]


async def test_submissions_as_json_lines_since_a_date(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await record(store, kind=OptOutKind.BEL_ME_NIET, charities=True)
    await clock.advance(86_400 * 3)
    await record(store, number=OTHER, kind=OptOutKind.BEL_ME_NIET, charities=False)
    response = await client.get("/v1/register-submissions?format=jsonl&since=2026-03-04", headers=H)
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in (await response.text()).splitlines()]
    assert lines == [
        {
            "number": OTHER,
            "scope": "all",
            "charities": False,
            "created_at": "2026-03-05T10:00:00Z",
            "call_id": None,
        }
    ]


async def test_a_bad_since_is_422(client: TestClient[Any, Any]) -> None:
    response = await client.get("/v1/register-submissions?since=soon", headers=H)
    assert (response.status, (await response.json())["error"]) == (422, "invalid_date")
