from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from ivr.api.export import BATCH_ROWS, ExportFormat, csv_safe, optout_lines
from ivr.clock import VirtualClock
from ivr.domain import OptOut, OptOutKind, OptOutSource
from ivr.store import Store
from tests.api.conftest import MONDAY_MORNING, NUMBER, OTHER, READER, bearer, record

H = bearer(READER)


async def export(client: TestClient[Any, Any], query: str = "") -> tuple[int, str, str]:
    response = await client.get(f"/v1/optouts?{query}", headers=H)
    return response.status, response.headers.get("Content-Type", ""), await response.text()


async def test_csv_is_the_default_with_the_design_columns(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await record(store, kind=OptOutKind.BEL_ME_NIET, scope=("energie", "loterijen"))
    await clock.advance(1)
    await record(store, number=OTHER, kind=OptOutKind.BEL_ME_NIET, scope="all", charities=True)
    status, content_type, text = await export(client)
    assert status == 200
    assert content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "number",
        "advertiser",
        "kind",
        "scope",
        "charities",
        "source",
        "agent",
        "call_id",
        "created_at",
        "id",
        "revokes",
        "reason",
        "requested_by",
    ]
    assert rows[1][:7] == [NUMBER, "acme", "bel_me_niet", "energie|loterijen", "", "agent", "a1"]
    assert rows[2][3:5] == ["all", "true"]
    assert rows[1][8] == "2026-03-02T10:00:00.000000+00:00"


async def test_csv_cells_that_would_run_as_formulas_are_quoted_off(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    for agent in ['=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain"]:
        await record(store, advertiser="acme", agent=agent)
        await clock.advance(1)
    _, _, text = await export(client)
    agents = [row[6] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert agents == ['\'=HYPERLINK("x")', "'+1+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain"]
    numbers = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert set(numbers) == {NUMBER}


@given(st.text(max_size=20))
def test_no_csv_cell_starts_like_a_formula_unless_it_is_an_e164_number(cell: str) -> None:
    safe = csv_safe(cell)
    if safe.startswith("+"):
        assert safe[1:].isdigit() and safe == cell
    else:
        assert not safe.startswith(("=", "-", "@", "\t", "\r"))
    assert safe.endswith(cell)


async def test_jsonl_and_json_carry_the_same_entries(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    first = await record(store)
    await clock.advance(1)
    second = await record(store, number=OTHER)
    _, jsonl_type, jsonl = await export(client, "format=jsonl")
    _, json_type, whole = await export(client, "format=json")
    assert jsonl_type.startswith("application/x-ndjson")
    assert json_type.startswith("application/json")
    from_lines = [json.loads(line) for line in jsonl.splitlines()]
    assert from_lines == json.loads(whole)
    assert [e["id"] for e in from_lines] == [first.id, second.id]


async def test_an_empty_json_export_is_an_empty_array(client: TestClient[Any, Any]) -> None:
    _, _, whole = await export(client, "format=json")
    assert json.loads(whole) == []


async def test_revoked_rows_only_on_request(client: TestClient[Any, Any], store: Store) -> None:
    row = await record(store)
    await store.revoke(row.id, "asked", "consumer", "api", OptOutSource.API)
    _, _, active = await export(client, "format=jsonl")
    _, _, everything = await export(client, "format=jsonl&include_revoked=true")
    assert active == ""
    assert sorted(json.loads(x)["kind"] for x in everything.splitlines()) == [
        "recht_van_verzet",
        "revocation",
    ]


async def test_filters_by_advertiser_number_kind_and_since(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await record(store)
    await clock.advance(timedelta(days=2).total_seconds())
    late = await record(store, number=OTHER, advertiser="globex", kind=OptOutKind.BEL_ME_NIET)

    async def ids(query: str) -> list[str]:
        _, _, text = await export(client, f"format=jsonl&{query}")
        return [json.loads(line)["id"] for line in text.splitlines()]

    assert await ids("advertiser=globex") == [late.id]
    assert await ids("number=06-87654321") == [late.id]
    assert await ids("kind=bel_me_niet") == [late.id]
    assert await ids("since=2026-03-03") == [late.id]
    assert await ids("since=2026-03-04T10:00:00+00:00") == [late.id]
    assert await ids("since=2026-03-04T10:00:00 00:00") == [late.id]
    assert len(await ids("since=2026-03-01")) == 2


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("advertiser=nobody", 404, "unknown_advertiser"),
        ("since=yesterday", 422, "invalid_date"),
        ("number=12", 422, "invalid_number"),
        ("format=xlsx", 422, "invalid_request"),
        ("kind=maybe", 422, "invalid_request"),
    ],
)
async def test_bad_export_parameters_are_refused_before_streaming(
    client: TestClient[Any, Any], query: str, status: int, code: str
) -> None:
    response = await client.get(f"/v1/optouts?{query}", headers=H)
    assert response.status == status
    assert (await response.json())["error"] == code


def _optout(n: int) -> OptOut:
    return OptOut(
        id=f"id-{n}",
        number=f"+316{n:08d}",
        advertiser="acme",
        kind=OptOutKind.RECHT_VAN_VERZET,
        scope=None,
        charities=None,
        source=OptOutSource.IMPORT,
        agent=None,
        call_id=None,
        created_at=MONDAY_MORNING,
        created_by="import:list.csv",
    )


@pytest.mark.parametrize("fmt", list(ExportFormat))
async def test_the_export_pulls_rows_only_as_it_writes_them(fmt: ExportFormat) -> None:
    pulled = 0
    total = BATCH_ROWS * 20

    async def rows() -> AsyncIterator[OptOut]:
        nonlocal pulled
        for n in range(total):
            pulled += 1
            yield _optout(n)

    pieces = optout_lines(rows(), fmt)
    first = await anext(pieces)
    assert pulled <= BATCH_ROWS + 1
    assert len(first) < 300 * BATCH_ROWS
    rest = [piece async for piece in pieces]
    assert pulled == total
    assert len(rest) >= 19
