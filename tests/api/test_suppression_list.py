"""One suppression list per advertiser, the same in every answer (docs/design.md 10.1, 14.19).

For acme: every recht van verzet recorded for acme, every Bel-me-niet
registration whoever recorded it, and the revocations of those.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from ivr.clock import VirtualClock
from ivr.domain import ConsentChannel, ConsentRequest, OptOut, OptOutKind, OptOutSource
from ivr.store import Store
from tests.api.conftest import (
    ACME_READER,
    ACME_WRITER,
    MONDAY_MORNING,
    NUMBER,
    OTHER,
    READER,
    MakeClient,
    bearer,
    record,
)

THIRD = "+31611112222"


async def globex_call_registration(store: Store) -> OptOut:
    """A Bel-me-niet registration the IVR recorded on a globex call."""
    return await record(
        store,
        number=OTHER,
        advertiser="globex",
        kind=OptOutKind.BEL_ME_NIET,
        charities=True,
        source=OptOutSource.IVR,
        created_by="ivr",
        agent=None,
        call_id="globex-call-1",
    )


async def csv_rows(client: TestClient[Any, Any], path: str, token: str) -> list[dict[str, str]]:
    response = await client.get(path, headers=bearer(token))
    assert response.status == 200, await response.text()
    return list(csv.DictReader(io.StringIO(await response.text())))


async def test_a_registration_on_another_advertisers_call_is_in_acmes_export_and_submissions(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    own = await record(store)
    await clock.advance(1)
    register = await globex_call_registration(store)
    await clock.advance(1)
    await record(store, number=THIRD, advertiser="globex")  # globex's own objection

    lookup = await client.get(f"/v1/suppressions/{OTHER}?advertiser=acme", headers=bearer(READER))
    assert (await lookup.json())["suppressed"] is True

    for token, path in [
        (READER, "/v1/optouts?advertiser=acme"),
        (ACME_READER, "/v1/optouts"),
        (ACME_READER, "/v1/optouts?advertiser=acme"),
    ]:
        rows = await csv_rows(client, path, token)
        assert [row["id"] for row in rows] == [own.id, register.id], (token, path)
        assert THIRD not in {row["number"] for row in rows}

    submitted = await csv_rows(client, "/v1/register-submissions", ACME_READER)
    assert [row["number"] for row in submitted] == [OTHER]


async def test_a_bound_token_sees_other_advertisers_register_rows_as_register(
    client: TestClient[Any, Any], store: Store
) -> None:
    register = await globex_call_registration(store)
    rows = await csv_rows(client, "/v1/optouts", ACME_READER)
    assert len(rows) == 1
    assert rows[0]["id"] == register.id
    assert (rows[0]["advertiser"], rows[0]["call_id"], rows[0]["agent"]) == ("register", "", "")

    submitted = await csv_rows(client, "/v1/register-submissions", ACME_READER)
    assert submitted[0]["call_id"] == ""

    lookup = await client.get(
        f"/v1/suppressions/{OTHER}?advertiser=acme", headers=bearer(ACME_READER)
    )
    (entry,) = (await lookup.json())["entries"]
    assert (entry["advertiser"], entry["call_id"], entry["agent"]) == ("register", None, None)

    unbound = await client.get(f"/v1/suppressions/{OTHER}?advertiser=acme", headers=bearer(READER))
    (entry,) = (await unbound.json())["entries"]
    assert (entry["advertiser"], entry["call_id"]) == ("globex", "globex-call-1")


async def test_a_bound_token_cannot_revoke_another_advertisers_register_row(
    client: TestClient[Any, Any], store: Store
) -> None:
    register = await globex_call_registration(store)
    response = await client.post(
        f"/v1/optouts/{register.id}/revoke",
        json={"reason": "r", "requested_by": "consumer"},
        headers=bearer(ACME_WRITER),
    )
    assert response.status == 403
    assert [o.id for o in await store.active_optouts(OTHER, "acme")] == [register.id]


async def test_export_columns_match_a_revocation_to_its_opt_out(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    register = await globex_call_registration(store)
    await clock.advance(1)
    revocation = await store.revoke(
        register.id, "consumer changed her mind", "consumer", "api", OptOutSource.API
    )
    history = await csv_rows(client, "/v1/optouts?advertiser=acme&include_revoked=true", READER)
    assert [[r["id"], r["revokes"], r["reason"], r["requested_by"]] for r in history] == [
        [register.id, "", "", ""],
        [revocation.id, register.id, "consumer changed her mind", "consumer"],
    ]
    assert await csv_rows(client, "/v1/optouts?advertiser=acme", READER) == []


async def test_look_up_with_include_revoked_shows_the_history(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    first = await record(store)
    await clock.advance(1)
    revocation = await store.revoke(first.id, "asked", "consumer", "api", OptOutSource.API)
    await clock.advance(1)
    second = await record(store)
    path = f"/v1/suppressions/{NUMBER}?advertiser=acme"
    current = await (await client.get(path, headers=bearer(READER))).json()
    assert [e["id"] for e in current["entries"]] == [second.id]
    history = await (
        await client.get(path + "&include_revoked=true", headers=bearer(READER))
    ).json()
    assert [e["id"] for e in history["entries"]] == [first.id, revocation.id, second.id]
    assert history["entries"][1]["requested_by"] == "consumer"
    assert history["suppressed"] is True
    assert [r["code"] for r in history["reasons"]] == ["recht_van_verzet", "profile_expired"]


async def test_bulk_check_and_may_call_apply_the_same_list(
    client: TestClient[Any, Any], store: Store
) -> None:
    await globex_call_registration(store)
    await record(store, number=THIRD, advertiser="globex")
    check = await client.post(
        "/v1/suppressions/check",
        json={"advertiser": "acme", "numbers": [OTHER, THIRD]},
        headers=bearer(ACME_READER),
    )
    assert [r["suppressed"] for r in (await check.json())["results"]] == [True, False]
    answer = await client.get(
        f"/v1/may-call?number={OTHER}&advertiser=acme", headers=bearer(ACME_READER)
    )
    assert json.loads(await answer.text())["allowed"] is False


async def test_look_up_and_may_call_at_a_past_moment_count_only_what_existed_then(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    objection = await record(store)  # 10:00 UTC
    await clock.advance(3600)
    await store.revoke(objection.id, "asked", "consumer", "api", OptOutSource.API)  # 11:00
    await clock.advance(3600)
    register = await record(store, kind=OptOutKind.BEL_ME_NIET, charities=True)  # 12:00

    async def decided(at: str) -> tuple[bool, list[str], list[str], bool]:
        moment = at.replace("+", "%2B")
        lookup = await (
            await client.get(
                f"/v1/suppressions/{NUMBER}?advertiser=acme&at={moment}", headers=bearer(READER)
            )
        ).json()
        answer = await (
            await client.get(
                f"/v1/may-call?number={NUMBER}&advertiser=acme&at={moment}",
                headers=bearer(READER),
            )
        ).json()
        codes = [r["code"] for r in answer["reasons"] if r["code"] != "profile_expired"]
        return lookup["suppressed"], [e["id"] for e in lookup["entries"]], codes, answer["allowed"]

    assert await decided("2026-03-02T09:59:00Z") == (False, [], [], True)
    assert await decided("2026-03-02T10:00:00Z") == (
        True,
        [objection.id],
        ["recht_van_verzet"],
        False,
    )
    assert await decided("2026-03-02T12:30:00+01:00") == (False, [], [], True)
    assert await decided("2026-03-02T13:00:00+01:00") == (
        True,
        [register.id],
        ["bel_me_niet", "register_grace_period"],
        False,
    )
    now = await (
        await client.get(f"/v1/suppressions/{NUMBER}?advertiser=acme", headers=bearer(READER))
    ).json()
    assert [e["id"] for e in now["entries"]] == [register.id]


async def test_a_bad_at_on_look_up_is_422(client: TestClient[Any, Any]) -> None:
    response = await client.get(
        f"/v1/suppressions/{NUMBER}?advertiser=acme&at=2026-03-02T10:00", headers=bearer(READER)
    )
    assert (response.status, (await response.json())["error"]) == (422, "invalid_date")


async def test_may_call_at_a_past_moment_counts_only_consents_recorded_by_then(
    make_client: MakeClient, store: Store, clock: VirtualClock
) -> None:
    """Under nl-2021 (in force on 2026-03-02) a call needs a consent; one recorded at 10:00
    did not allow a call asked about at 09:59, and its withdrawal at 11:00 not before."""
    client = await make_client(profile="nl")
    consent = await store.record_consent(
        ConsentRequest(
            number=NUMBER,
            advertiser="acme",
            scope="all",
            channel=ConsentChannel.WEB,
            obtained_at=MONDAY_MORNING - timedelta(days=30),
            created_by="api",
            verified_at=MONDAY_MORNING - timedelta(days=29),
        )
    )
    await clock.advance(3600)
    await store.withdraw_consent(consent.id, "asked", "consumer", "api")

    async def allowed(at: str) -> tuple[bool, list[str]]:
        body = await (
            await client.get(
                f"/v1/may-call?number={NUMBER}&advertiser=acme&at={at}", headers=bearer(READER)
            )
        ).json()
        return body["allowed"], [r["code"] for r in body["reasons"]]

    assert (await allowed("2026-03-02T09:59:00Z"))[0] is False
    assert await allowed("2026-03-02T10:30:00Z") == (True, [])
    assert (await allowed("2026-03-02T11:30:00Z"))[0] is False
