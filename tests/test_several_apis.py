"""Several ``ivr api`` processes on one PostgreSQL database, as behind a load balancer
(docs/design.md §12, 14.21): the same answers from each, idempotency keys that hold across
them, and a revocation through one seen by the others."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from benchmarks.harness import Proc
from tests import sql
from tests.processes import start_api, wait_api_ready

TOKEN = "several-apis-desk-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
ADVERTISERS = {"acme": {"name": "Acme Energie"}, "beta": {"name": "Beta Loterij"}}
MOMENT = "2030-01-08T10:00:00+01:00"
"""A Tuesday morning: may-call decided for one moment, not for whenever each answer is made."""
ENTRIES: list[dict[str, Any]] = [
    {"number": "0612000001", "advertiser": "acme", "kind": "recht_van_verzet"},
    {"number": "0612000002", "advertiser": "beta", "kind": "recht_van_verzet"},
    {
        "number": "0612000003",
        "advertiser": "acme",
        "kind": "bel_me_niet",
        "scope": "all",
        "charities": False,
    },
    {
        "number": "0612000004",
        "advertiser": "acme",
        "kind": "bel_me_niet",
        "scope": ["energie", "loterijen"],
    },
]
NUMBERS = [entry["number"] for entry in ENTRIES] + ["0612000099"]


@dataclass
class Api:
    proc: Proc
    url: str
    session: aiohttp.ClientSession

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.url + path) as response:
            return response.status, await response.text()

    async def post(
        self, path: str, body: dict[str, Any], key: str | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        headers = {"Idempotency-Key": key} if key is not None else {}
        async with self.session.post(self.url + path, json=body, headers=headers) as response:
            return response.status, await response.json(), dict(response.headers)


@contextlib.asynccontextmanager
async def apis(workdir: Path, db: str, count: int) -> AsyncIterator[list[Api]]:
    """``count`` ``ivr api`` processes on ``db``, started at once (they migrate it together)."""
    settings = {
        "IVR_DB": db,
        "IVR_API_TOKENS": f"{TOKEN}:write::desk",
        "IVR_ADVERTISERS": json.dumps(ADVERTISERS),
    }
    started: list[Api] = []
    async with aiohttp.ClientSession(
        headers=HEADERS, timeout=aiohttp.ClientTimeout(total=60)
    ) as session:
        try:
            for n in range(count):
                proc, url = start_api(workdir, f"api{n}", **settings)
                started.append(Api(proc, url, session))
            for api in started:
                await wait_api_ready(session, api.proc, api.url)
            yield started
        finally:
            for api in started:
                api.proc.stop()


async def answers(api: Api) -> dict[str, Any]:
    """Everything a dialer reads, from one process: look-ups, may-call, the export."""
    found: dict[str, Any] = {}
    for number in NUMBERS:
        for advertiser in ADVERTISERS:
            status, text = await api.get(
                f"/v1/suppressions/{number}?advertiser={advertiser}&include_revoked=true"
            )
            found[f"look-up {number} {advertiser}"] = (status, json.loads(text))
            status, text = await api.get(
                f"/v1/may-call?number={number}&advertiser={advertiser}&at={quote(MOMENT)}"
            )
            found[f"may-call {number} {advertiser}"] = (status, json.loads(text))
    for form in ("csv", "json"):
        found[f"export {form}"] = await api.get(f"/v1/optouts?include_revoked=true&format={form}")
    return found


def optout_rows(db: str, number: str) -> list[dict[str, Any]]:
    return sql.rows(db, "SELECT id, kind, revokes FROM optouts WHERE number = ?", number)


async def test_several_apis_on_one_database_answer_alike_and_share_keys(
    tmp_path: Path, postgres_url: str
) -> None:
    async with apis(tmp_path, postgres_url, 3) as (first, second, third):
        for n, entry in enumerate(ENTRIES):
            status, _, _ = await (first, second, third)[n % 3].post("/v1/optouts", entry)
            assert status == 201, entry

        before = [await answers(api) for api in (first, second, third)]
        assert before[0] == before[1] == before[2]
        assert before[0]["look-up 0612000001 acme"][1]["suppressed"] is True
        assert before[0]["look-up 0612000001 beta"][1]["suppressed"] is False
        assert before[0]["may-call 0612000003 acme"][1]["allowed"] is False
        assert before[0]["look-up 0612000099 acme"][1]["suppressed"] is False
        assert before[0]["export csv"][1].count("\n") == len(ENTRIES) + 1

        # A retried manual entry lands on another process: the first answer, not a second row.
        entry = {"number": "0612000010", "advertiser": "acme", "kind": "recht_van_verzet"}
        created = await first.post("/v1/optouts", entry, key="retry-1")
        replayed = await second.post("/v1/optouts", dict(reversed(entry.items())), key="retry-1")
        assert created[0] == 201
        assert replayed[0] == 200 and replayed[2].get("Idempotent-Replayed") == "true"
        assert replayed[1] == created[1]
        assert [row["id"] for row in optout_rows(postgres_url, "+31612000010")] == [
            created[1]["id"]
        ]
        conflict = await third.post("/v1/optouts", {**entry, "number": "0612000011"}, key="retry-1")
        assert (conflict[0], conflict[1]["error"]) == (409, "idempotency_conflict")
        assert optout_rows(postgres_url, "+31612000011") == []

        # One key sent to every process at the same moment: one row, one first answer.
        raced = {"number": "0612000012", "advertiser": "acme", "kind": "recht_van_verzet"}
        results = await asyncio.gather(
            *(api.post("/v1/optouts", raced, key="race-1") for api in (first, second, third))
        )
        statuses = sorted(status for status, _, _ in results)
        assert statuses.count(201) == 1, results
        assert all(
            status in (200, 201) or (status == 409 and body["error"] == "idempotency_in_progress")
            for status, body, _ in results
        ), results
        rows = optout_rows(postgres_url, "+31612000012")
        assert len(rows) == 1
        assert all(body["id"] == rows[0]["id"] for status, body, _ in results if status != 409)

        # A revocation through one process is what the others answer at once.
        target = created[1]["id"]
        revoke = {"reason": "consumer asked by phone", "requested_by": "consumer"}
        revoked = await second.post(f"/v1/optouts/{target}/revoke", revoke, key="revoke-1")
        assert revoked[0] == 201
        again = await third.post(f"/v1/optouts/{target}/revoke", revoke, key="revoke-1")
        assert (again[0], again[1]) == (200, revoked[1])
        for api in (first, third):
            status, text = await api.get("/v1/suppressions/0612000010?advertiser=acme")
            assert (status, json.loads(text)["suppressed"]) == (200, False)
        kinds = sorted(row["kind"] for row in optout_rows(postgres_url, "+31612000010"))
        assert kinds == ["recht_van_verzet", "revocation"]

        after = [await answers(api) for api in (first, second, third)]
        assert after[0] == after[1] == after[2]
        assert after[0] != before[0]
