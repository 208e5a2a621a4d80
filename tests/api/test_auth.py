from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from ivr.api.app import make_api_app
from ivr.api.auth import OPEN, Scope, authenticate, check_bind, parse_tokens
from ivr.clock import VirtualClock
from ivr.config import ConfigError
from ivr.domain import OptOutKind
from ivr.flow.profile import Profile
from ivr.metrics import Metrics
from ivr.store import Store
from tests.api.conftest import (
    ACME_READER,
    ACME_WRITER,
    NUMBER,
    READER,
    WRITER,
    MakeClient,
    bearer,
    record,
    settings,
)

RVV = {"number": "0612345678", "advertiser": "acme", "kind": "recht_van_verzet"}


def test_tokens_parse_scope_advertiser_and_name() -> None:
    tokens = parse_tokens("a1:read, b2:write:acme ,c3:write::ops,d4:read:acme:desk")
    assert [(t.secret, t.scope, t.advertiser, t.name) for t in tokens] == [
        ("a1", Scope.READ, None, None),
        ("b2", Scope.WRITE, "acme", None),
        ("c3", Scope.WRITE, None, "ops"),
        ("d4", Scope.READ, "acme", "desk"),
    ]


def test_tokens_come_from_a_file_one_a_line(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text("# the desk\nabc:write:acme:desk\n\nxyz:read  # monitoring\n")
    tokens = parse_tokens(f"@{path}")
    assert [(t.secret, t.scope, t.name) for t in tokens] == [
        ("abc", Scope.WRITE, "desk"),
        ("xyz", Scope.READ, None),
    ]


@pytest.mark.parametrize(
    "raw",
    ["nocolon", "t:admin", ":read", "t:read:a:b:c", "t:read,t:write"],
)
def test_bad_token_items_are_config_errors_that_never_echo_the_secret(raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_tokens(raw)
    assert "nocolon" not in str(caught.value)


def test_a_missing_token_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        parse_tokens(f"@{tmp_path / 'absent'}")


def test_a_token_never_shows_its_secret_in_repr() -> None:
    (token,) = parse_tokens("s3cr3t-value:write:acme:desk")
    assert "s3cr3t" not in repr(token)


@given(
    secret=st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=30),
    scope=st.sampled_from(["read", "write"]),
    advertiser=st.text(st.characters(categories=["Ll", "Nd"]), max_size=10),
    name=st.text(st.characters(categories=["Ll", "Nd"]), max_size=10),
)
def test_any_well_formed_item_round_trips(
    secret: str, scope: str, advertiser: str, name: str
) -> None:
    (token,) = parse_tokens(f"{secret}:{scope}:{advertiser}:{name}")
    assert token.secret == secret
    assert token.scope == scope
    assert token.advertiser == (advertiser or None)
    assert token.name == (name or None)
    assert authenticate([token], f"Bearer {secret}") is not None
    assert authenticate([token], f"Bearer {secret}x") is None


def test_authenticate_needs_a_bearer_header_when_tokens_exist() -> None:
    tokens = parse_tokens("abc:read")
    assert authenticate(tokens, None) is None
    assert authenticate(tokens, "Basic abc") is None
    assert authenticate(tokens, "Bearer ") is None
    assert authenticate([], None) is OPEN


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2", "[::1]"])
def test_an_open_api_may_bind_loopback(host: str) -> None:
    check_bind(host, [])


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "api.example.com"])
def test_an_open_api_refuses_other_binds(host: str) -> None:
    with pytest.raises(ConfigError, match="IVR_API_TOKENS"):
        check_bind(host, [])
    check_bind(host, parse_tokens("abc:read"))


def test_the_app_refuses_a_non_loopback_bind_without_tokens(
    store: Store, clock: VirtualClock, metrics: Metrics, profile: Profile
) -> None:
    with pytest.raises(ConfigError, match="not loopback"):
        make_api_app(settings(api_tokens="", http_host="0.0.0.0"), store, clock, metrics, profile)


async def test_no_token_is_401_with_a_json_body(client: TestClient[Any, Any]) -> None:
    response = await client.get("/v1/suppressions/0612345678?advertiser=acme")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert (await response.json())["error"] == "unauthorized"


async def test_a_wrong_token_is_401(client: TestClient[Any, Any]) -> None:
    response = await client.get(
        "/v1/suppressions/0612345678?advertiser=acme", headers=bearer("guess")
    )
    assert response.status == 401


async def test_a_read_token_may_not_write_and_nothing_is_written(
    client: TestClient[Any, Any], store: Store
) -> None:
    response = await client.post("/v1/optouts", json=RVV, headers=bearer(READER))
    assert response.status == 403
    assert (await response.json())["error"] == "forbidden"
    assert await store.active_optouts(NUMBER) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/optouts"), ("POST", "/v1/optouts/x/revoke")],
)
async def test_write_routes_need_a_token(
    client: TestClient[Any, Any], method: str, path: str
) -> None:
    assert (await client.request(method, path, json={})).status == 401
    assert (await client.request(method, path, json={}, headers=bearer("nope"))).status == 401
    assert (await client.request(method, path, json={}, headers=bearer(READER))).status == 403


async def test_without_tokens_the_loopback_api_is_open(
    make_client: MakeClient, store: Store
) -> None:
    client = await make_client(api_tokens="")
    response = await client.post("/v1/optouts", json=RVV)
    assert response.status == 201
    assert (await response.json())["created_by"] == "api"


async def test_a_bound_token_may_not_write_for_another_advertiser(
    client: TestClient[Any, Any], store: Store
) -> None:
    body = {**RVV, "advertiser": "globex"}
    response = await client.post("/v1/optouts", json=body, headers=bearer(ACME_WRITER))
    assert response.status == 403
    assert await store.active_optouts(NUMBER) == []


async def test_a_bound_token_may_not_look_up_for_another_advertiser(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get(
        "/v1/suppressions/0612345678?advertiser=globex", headers=bearer(ACME_READER)
    )
    assert response.status == 403


async def test_a_bound_token_sees_every_advertisers_register_rows_in_look_ups(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, advertiser="globex", kind=OptOutKind.BEL_ME_NIET)
    await record(store, advertiser="globex", kind=OptOutKind.RECHT_VAN_VERZET)
    response = await client.get(
        "/v1/suppressions/0612345678?advertiser=acme", headers=bearer(ACME_READER)
    )
    body = await response.json()
    assert body["suppressed"] is True
    assert [e["kind"] for e in body["entries"]] == ["bel_me_niet"]
    decision = await client.get(
        "/v1/may-call?number=0612345678&advertiser=acme", headers=bearer(ACME_READER)
    )
    assert (await decision.json())["allowed"] is False


async def test_a_bound_token_exports_only_its_advertisers_suppression_list(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await record(store, advertiser="globex", kind=OptOutKind.BEL_ME_NIET)
    await record(store, advertiser="globex", number="+31600000001")
    await clock.advance(1)
    await record(store, advertiser="acme")
    response = await client.get("/v1/optouts?format=jsonl", headers=bearer(ACME_READER))
    lines = [json.loads(line) for line in (await response.text()).splitlines()]
    assert [(row["advertiser"], row["kind"]) for row in lines] == [
        ("register", "bel_me_niet"),
        ("acme", "recht_van_verzet"),
    ]
    other = await client.get("/v1/optouts?advertiser=globex", headers=bearer(ACME_READER))
    assert other.status == 403


async def test_a_write_token_also_reads(client: TestClient[Any, Any]) -> None:
    response = await client.get(
        "/v1/suppressions/0612345678?advertiser=acme", headers=bearer(WRITER)
    )
    assert response.status == 200
