"""A totaal Bel-me-niet registration needs its charities answer (docs/design.md 10.1, 14.20)."""

from __future__ import annotations

import asyncio
import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from structlog.testing import capture_logs

from benchmarks.harness import ivr_command
from ivr.clock import VirtualClock
from ivr.domain import OptOutKind
from ivr.ports import free_port
from ivr.store import Store
from tests.api.conftest import NUMBER, READER, WRITER, MakeClient, bearer, record


@pytest.mark.parametrize("scope", [None, "all"])
async def test_a_manual_totaal_registration_without_charities_is_refused(
    client: TestClient[Any, Any], store: Store, scope: str | None
) -> None:
    body: dict[str, Any] = {"number": "0612345678", "advertiser": "acme", "kind": "bel_me_niet"}
    if scope is not None:
        body["scope"] = scope
    response = await client.post("/v1/optouts", json=body, headers=bearer(WRITER))
    answer = await response.json()
    assert (response.status, answer["error"]) == (422, "charities_required")
    assert "ask the consumer whether charities may still call" in answer["message"]
    assert [row async for row in store.iter_optouts(include_revoked=True)] == []


async def test_a_partial_registration_needs_no_charities_answer(
    client: TestClient[Any, Any],
) -> None:
    body = {"number": "0612345678", "advertiser": "acme", "kind": "bel_me_niet", "scope": ["auto"]}
    response = await client.post("/v1/optouts", json=body, headers=bearer(WRITER))
    assert response.status == 201


async def test_a_stored_registration_without_charities_keeps_charities_from_calling(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, kind=OptOutKind.BEL_ME_NIET, scope="all", charities=None)
    for path in [
        f"/v1/may-call?number={NUMBER}&advertiser=globex&category=goede-doelen",
        f"/v1/suppressions/{NUMBER}?advertiser=globex&category=goede-doelen",
    ]:
        answer = await (await client.get(path, headers=bearer(READER))).json()
        assert answer.get("allowed", False) is False
        assert answer.get("suppressed", True) is True
        assert "bel_me_niet" in [r["code"] for r in answer["reasons"]]


async def test_a_stored_registration_without_charities_is_submitted_as_charities_true(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, kind=OptOutKind.BEL_ME_NIET, scope="all", charities=None)
    response = await client.get("/v1/register-submissions?format=jsonl", headers=bearer(READER))
    (line,) = (await response.text()).splitlines()
    assert json.loads(line)["charities"] is True
    export = await client.get("/v1/optouts?format=jsonl", headers=bearer(READER))
    assert json.loads(await export.text())["charities"] is None  # the row as stored


async def test_the_api_logs_at_start_how_many_registrations_lack_charities(
    make_client: MakeClient, store: Store
) -> None:
    await record(store, kind=OptOutKind.BEL_ME_NIET, scope="all", charities=None)
    await record(store, number="+31600000001", kind=OptOutKind.BEL_ME_NIET, charities=None)
    await record(store, number="+31600000002", kind=OptOutKind.BEL_ME_NIET, charities=False)
    await record(store, number="+31600000003", kind=OptOutKind.BEL_ME_NIET, scope=("auto",))
    with capture_logs() as logs:
        await make_client()
    (event,) = [e for e in logs if e["event"] == "optouts.charities_unknown"]
    assert (event["count"], event["log_level"]) == (2, "warning")


def test_ivr_api_logs_at_start_how_many_registrations_lack_charities(tmp_path: Path) -> None:
    db = tmp_path / "ivr.sqlite3"

    async def legacy_row() -> None:
        store = await Store.open(db, VirtualClock())
        try:
            await record(store, kind=OptOutKind.BEL_ME_NIET, scope="all", charities=None)
        finally:
            await store.close()

    asyncio.run(legacy_row())
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        {
            "IVR_DB": str(db),
            "IVR_HTTP_HOST": "127.0.0.1",
            "IVR_HTTP_PORT": str(free_port()),
            "IVR_LOG_FORMAT": "json",
        }
    )
    process = subprocess.Popen(
        [*ivr_command(), "api"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        output = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 1.0)
            chunk = os.read(process.stdout.fileno(), 65536) if ready else b""
            if ready and not chunk:
                break  # the process ended
            output += chunk
            for line in output.decode(errors="replace").split("\n")[:-1]:  # whole lines
                if "optouts.charities_unknown" in line:
                    event = json.loads(line)
                    assert (event["count"], event["level"]) == (1, "warning")
                    return
        raise AssertionError("no optouts.charities_unknown line:\n" + output.decode())
    finally:
        process.terminate()
        process.wait(timeout=30)
