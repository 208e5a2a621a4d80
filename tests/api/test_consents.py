"""The consent API (docs/design.md 11.2, 14.24): record, withdraw, export; tokens, validation,
idempotency, and the withdrawal a recht van verzet writes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ivr.store import Store
from tests.api.conftest import (
    ACME_READER,
    ACME_WRITER,
    NUMBER,
    OTHER,
    READER,
    WRITER,
    bearer,
    record,
)

BODY = {
    "number": "06 1234 5678",
    "advertiser": "acme",
    "scope": ["energie"],
    "channel": "web",
    "obtained_at": "2026-02-20T14:30:00+01:00",
    "proof_ref": "form-881",
    "verified_at": "2026-02-21T09:00:00+01:00",
    "expires_at": "2027-02-20",
}
CSV_COLUMNS = (
    "id,number,advertiser,kind,scope,channel,obtained_at,proof_ref,verified_at,expires_at,"
    "withdraws,reason,requested_by,call_id,created_at,created_by"
)


async def post(
    client: TestClient[Any, Any], body: Any, token: str = WRITER, **headers: str
) -> tuple[int, Any]:
    response = await client.post("/v1/consents", json=body, headers={**bearer(token), **headers})
    return response.status, await response.json()


async def withdraw(
    client: TestClient[Any, Any], consent_id: str, token: str = WRITER, **body: str
) -> tuple[int, Any]:
    response = await client.post(
        f"/v1/consents/{consent_id}/withdraw",
        json=body or {"reason": "asked by phone", "requested_by": "consumer"},
        headers=bearer(token),
    )
    return response.status, await response.json()


async def test_a_consent_is_stored_as_given(client: TestClient[Any, Any], store: Store) -> None:
    status, body = await post(client, BODY)
    assert status == 201
    assert body["number"] == NUMBER
    assert (body["kind"], body["scope"], body["channel"]) == ("consent", ["energie"], "web")
    assert body["obtained_at"] == "2026-02-20T13:30:00Z"
    assert body["verified_at"] == "2026-02-21T08:00:00Z"
    assert body["expires_at"] == "2027-02-19T23:00:00Z"  # a date is local midnight
    assert (body["proof_ref"], body["created_by"]) == ("form-881", "token:writer")
    stored = await store.get_consent(body["id"])
    assert stored is not None and stored.scope == ("energie",)


async def test_the_same_consent_twice_gives_the_stored_row(client: TestClient[Any, Any]) -> None:
    first_status, first = await post(client, BODY)
    again_status, again = await post(client, BODY)
    assert (first_status, again_status) == (201, 200)
    assert again["id"] == first["id"]


async def test_an_idempotency_key_replays_the_first_answer(client: TestClient[Any, Any]) -> None:
    key = "consent-retry-1"
    status, first = await post(client, BODY, **{"Idempotency-Key": key})
    replay_status, replay = await post(client, BODY, **{"Idempotency-Key": key})
    assert (status, replay_status, replay) == (201, 200, first)
    other = {**BODY, "proof_ref": "another"}
    conflict, answer = await post(client, other, **{"Idempotency-Key": key})
    assert (conflict, answer["error"]) == (409, "idempotency_conflict")


@pytest.mark.parametrize("missing", ["number", "advertiser", "channel", "obtained_at"])
async def test_a_missing_field_is_422(client: TestClient[Any, Any], missing: str) -> None:
    body = {k: v for k, v in BODY.items() if k != missing}
    status, answer = await post(client, body)
    assert status == 422, answer


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"obtained_at": "2026-03-03T10:00:00Z"}, "invalid_date"),  # tomorrow
        ({"expires_at": "2026-02-20T14:30:00+01:00"}, "invalid_date"),  # not after
        ({"expires_at": "2026-01-01"}, "invalid_date"),
        ({"obtained_at": "yesterday"}, "invalid_date"),
        ({"number": "12"}, "invalid_number"),
        ({"scope": ["tuinmeubels"]}, "unknown_category"),
        ({"channel": "fax"}, "invalid_request"),
    ],
)
async def test_values_that_cannot_be_are_422(
    client: TestClient[Any, Any], change: dict[str, Any], code: str
) -> None:
    status, answer = await post(client, {**BODY, **change})
    assert (status, answer["error"]) == (422, code)


async def test_an_unknown_advertiser_is_404(client: TestClient[Any, Any]) -> None:
    status, answer = await post(client, {**BODY, "advertiser": "initech"})
    assert (status, answer["error"]) == (404, "unknown_advertiser")


async def test_tokens_read_write_and_advertiser(client: TestClient[Any, Any]) -> None:
    assert (await post(client, BODY, READER))[0] == 403
    assert (await post(client, {**BODY, "advertiser": "globex"}, ACME_WRITER))[0] == 403
    status, body = await post(client, BODY, ACME_WRITER)
    assert (status, body["created_by"]) == (201, "token:acme-desk")
    response = await client.post("/v1/consents", json=BODY)
    assert response.status == 401


async def test_a_consent_is_withdrawn_once(client: TestClient[Any, Any]) -> None:
    _, given = await post(client, BODY)
    status, withdrawal = await withdraw(client, given["id"])
    assert status == 201
    assert (withdrawal["kind"], withdrawal["withdraws"]) == ("withdrawal", given["id"])
    assert (withdrawal["reason"], withdrawal["requested_by"]) == ("asked by phone", "consumer")
    assert withdrawal["scope"] is withdrawal["channel"] is withdrawal["obtained_at"] is None
    again, answer = await withdraw(client, given["id"])
    assert (again, answer["error"]) == (409, "already_withdrawn")
    missing, _ = await withdraw(client, withdrawal["id"])
    assert missing == 404
    assert (await withdraw(client, "no-such-consent"))[0] == 404
    assert (await withdraw(client, given["id"], reason=""))[0] == 422


async def test_only_the_advertisers_token_withdraws(client: TestClient[Any, Any]) -> None:
    _, given = await post(client, {**BODY, "advertiser": "globex"})
    assert (await withdraw(client, given["id"], ACME_WRITER))[0] == 403
    assert (await withdraw(client, given["id"], READER))[0] == 403


async def test_the_export_is_csv_with_the_designed_columns(
    client: TestClient[Any, Any], store: Store
) -> None:
    _, given = await post(client, BODY)
    await post(client, {**BODY, "number": OTHER, "scope": "all", "advertiser": "globex"})
    await record(store)  # the consumer's recht van verzet withdraws acme's consent
    response = await client.get("/v1/consents", headers=bearer(READER))
    assert response.status == 200
    assert response.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert ",".join(rows[0]) == CSV_COLUMNS
    assert [(r["kind"], r["advertiser"], r["scope"]) for r in rows] == [
        ("consent", "acme", "energie"),
        ("consent", "globex", "all"),
        ("withdrawal", "acme", ""),
    ]
    assert rows[2]["withdraws"] == given["id"]
    assert rows[2]["reason"].startswith("recht_van_verzet:")
    assert rows[0]["obtained_at"] == "2026-02-20T13:30:00.000000+00:00"


async def test_the_export_as_json_lines_and_json_for_a_bound_token(
    client: TestClient[Any, Any],
) -> None:
    await post(client, BODY)
    await post(client, {**BODY, "advertiser": "globex"})
    lines = await client.get("/v1/consents?format=jsonl", headers=bearer(ACME_READER))
    parsed = [json.loads(line) for line in (await lines.text()).splitlines()]
    assert [row["advertiser"] for row in parsed] == ["acme"]
    whole = await client.get(
        f"/v1/consents?format=json&number={NUMBER}&advertiser=globex", headers=bearer(READER)
    )
    assert [row["advertiser"] for row in await whole.json()] == ["globex"]
    forbidden = await client.get("/v1/consents?advertiser=globex", headers=bearer(ACME_READER))
    assert forbidden.status == 403
