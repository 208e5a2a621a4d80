from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ivr.clock import VirtualClock
from ivr.domain import (
    CallEventKind,
    CallStart,
    NumberSource,
    OptOutKind,
    OptOutRequest,
    OptOutSource,
    Outcome,
)
from ivr.store import Store
from tests.api.conftest import ACME_READER, NUMBER, OTHER, READER, bearer

H = bearer(READER)


async def a_call(
    store: Store,
    clock: VirtualClock,
    call_id: str,
    advertiser: str = "acme",
    number: str = NUMBER,
    campaign: str = "winter",
) -> None:
    await store.start_call(
        CallStart(
            id=call_id,
            channel_id=f"chan-{call_id}",
            advertiser=advertiser,
            started_at=clock.now(),
            profile="nl-ctm2012",
            campaign=campaign,
            number=number,
            number_source=NumberSource.ARG,
            extra={"script": "v3"},
        )
    )
    await store.add_event(call_id, CallEventKind.PROMPT_STARTED, {"prompt": "welcome"})
    await store.add_event(call_id, CallEventKind.DIGIT, {"digit": "1"})
    await store.record_optout(
        OptOutRequest(
            number=number,
            advertiser=advertiser,
            kind=OptOutKind.RECHT_VAN_VERZET,
            source=OptOutSource.IVR,
            created_by="ivr",
            call_id=call_id,
        )
    )
    await store.end_call(call_id, Outcome.COMPLETED)


async def test_one_call_with_its_evidence_trail(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await a_call(store, clock, "c1")
    response = await client.get("/v1/calls/c1", headers=H)
    assert response.status == 200
    body = await response.json()
    assert body["call"]["id"] == "c1"
    assert body["call"]["number"] == NUMBER
    assert body["call"]["number_source"] == "arg"
    assert body["call"]["outcome"] == "completed"
    assert body["call"]["extra"] == {"script": "v3"}
    assert [(e["seq"], e["kind"]) for e in body["events"]][:2] == [
        (body["events"][0]["seq"], "prompt_started"),
        (body["events"][1]["seq"], "digit"),
    ]
    assert body["events"][1]["detail"] == {"digit": "1"}
    assert [o["kind"] for o in body["optouts"]] == ["recht_van_verzet"]


async def test_an_unknown_call_is_404(client: TestClient[Any, Any]) -> None:
    response = await client.get("/v1/calls/nope", headers=H)
    assert (response.status, (await response.json())["error"]) == (404, "not_found")


async def test_a_bound_token_does_not_see_another_advertisers_call(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await a_call(store, clock, "g1", advertiser="globex")
    response = await client.get("/v1/calls/g1", headers=bearer(ACME_READER))
    assert response.status == 404


async def test_search_filters_calls(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await a_call(store, clock, "c1")
    await clock.advance(timedelta(days=1).total_seconds())
    await a_call(store, clock, "c2", advertiser="globex", number=OTHER, campaign="spring")

    async def ids(query: str, token: str = READER) -> list[str]:
        response = await client.get(f"/v1/calls?{query}", headers=bearer(token))
        assert response.status == 200
        return [c["id"] for c in (await response.json())["calls"]]

    assert await ids("") == ["c1", "c2"]
    assert await ids("number=0612345678") == ["c1"]
    assert await ids("advertiser=globex") == ["c2"]
    assert await ids("campaign=spring") == ["c2"]
    assert await ids("since=2026-03-03") == ["c2"]
    assert await ids("until=2026-03-03") == ["c1"]
    assert await ids("limit=1") == ["c1"]
    assert await ids("", ACME_READER) == ["c1"]


async def sealed_call(
    store: Store, clock: VirtualClock, call_id: str, rights: dict[str, str], caller: str
) -> None:
    await store.start_call(
        CallStart(
            id=call_id,
            channel_id=f"chan-{call_id}",
            advertiser="acme",
            started_at=clock.now(),
            profile="nl-ctm2012",
            caller_number=caller,
            software_version="9.9.9",
            profile_hash="ab" * 32,
        )
    )
    await store.add_event(call_id, CallEventKind.HANGUP, {"by": "caller"})
    await store.seal_call(call_id, outcome=Outcome.CALLER_HUNG_UP, rights=rights)
    await clock.advance(60)


async def test_calls_show_their_verdict_and_are_found_by_it_and_by_caller_id(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await sealed_call(
        store, clock, "heard", {"recht_van_verzet": "heard", "bel_me_niet": "heard"}, "0612345678"
    )
    await sealed_call(
        store,
        clock,
        "unheard",
        {"recht_van_verzet": "heard", "bel_me_niet": "not_heard"},
        "0687654321",
    )
    await sealed_call(
        store,
        clock,
        "pending",
        {"recht_van_verzet": "chosen_unconfirmed", "bel_me_niet": "heard"},
        "anonymous",
    )
    await sealed_call(store, clock, "refused", {}, "0612345678")

    response = await client.get("/v1/calls/unheard", headers=H)
    call = (await response.json())["call"]
    assert call["rights"] == {"recht_van_verzet": "heard", "bel_me_niet": "not_heard"}
    assert call["caller_number"] == "0687654321" and call["number"] is None
    assert call["evidence_complete"] is True and call["seal_seq"] == 2
    assert (call["software_version"], call["profile_hash"]) == ("9.9.9", "ab" * 32)
    events = (await (await client.get("/v1/calls/unheard", headers=H)).json())["events"]
    assert [e["kind"] for e in events] == ["hangup", "rights"]
    assert all(len(e["hash"]) == 64 for e in events)

    async def ids(query: str) -> list[str]:
        response = await client.get(f"/v1/calls?{query}", headers=H)
        assert response.status == 200, await response.text()
        return [c["id"] for c in (await response.json())["calls"]]

    assert await ids("rights=not_heard") == ["unheard"]
    assert await ids("rights=not_heard,chosen_unconfirmed") == ["unheard", "pending"]
    assert await ids("rights=heard&number=0612345678") == ["heard"]
    assert await ids("number=0612345678") == ["heard", "refused"]  # by caller id
    response = await client.get("/v1/calls?rights=maybe", headers=H)
    assert response.status == 422


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("number=12", 422, "invalid_number"),
        ("since=03-03-2026", 422, "invalid_date"),
        ("advertiser=nobody", 404, "unknown_advertiser"),
        ("limit=0", 422, "invalid_request"),
    ],
)
async def test_bad_searches_say_what_is_wrong(
    client: TestClient[Any, Any], query: str, status: int, code: str
) -> None:
    response = await client.get(f"/v1/calls?{query}", headers=H)
    assert (response.status, (await response.json())["error"]) == (status, code)
