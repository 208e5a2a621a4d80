"""May-call under the opt-in regimes, around 2021-07-01 and 2026-07-01, for each sector
(docs/design.md 11.1, 14.23): consent, customer relation, recht van verzet, against a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ivr.clock import VirtualClock
from ivr.config import AdvertiserConfig
from ivr.domain import ConsentChannel, ConsentRequest, OptOutKind, OptOutSource
from ivr.rules.regime import Sector
from ivr.store import Store
from tests.api.conftest import NUMBER, READER, MakeClient, bearer, record

SECTORS = {
    "acme": Sector.COMMERCIAL,
    "fonds": Sector.CHARITY,
    "loterij": Sector.CHARITY_LOTTERY,
    "krant": Sector.PUBLISHER,
}
# Noon in Amsterdam on working days either side of each change of regime.
LAST_DAY_2012 = "2021-06-30T12:00:00%2B02:00"
FIRST_DAY_2021 = "2021-07-01T12:00:00%2B02:00"
LAST_DAY_2021 = "2026-06-30T12:00:00%2B02:00"
FIRST_DAY_2026 = "2026-07-01T12:00:00%2B02:00"
OBTAINED = datetime(2021, 1, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> VirtualClock:
    """Rows are written early in 2021, so that every moment asked about sees them."""
    return VirtualClock(datetime(2021, 1, 4, 12, 0, tzinfo=UTC))


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient[Any, Any]:
    advertisers = {
        name: AdvertiserConfig(name=name.title(), sector=sector) for name, sector in SECTORS.items()
    }
    return await make_client(profile="nl", advertisers=advertisers)


async def ask(client: TestClient[Any, Any], advertiser: str, at: str, extra: str = "") -> Any:
    response = await client.get(
        f"/v1/may-call?number={NUMBER}&advertiser={advertiser}&at={at}{extra}",
        headers=bearer(READER),
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    return body["allowed"], [r["code"] for r in body["reasons"]], body["profile"]


async def give_consent(store: Store, advertiser: str = "acme", **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "number": NUMBER,
        "advertiser": advertiser,
        "scope": "all",
        "channel": ConsentChannel.WEB,
        "obtained_at": OBTAINED,
        "created_by": "api",
        "verified_at": OBTAINED + timedelta(days=1),
    }
    fields.update(changes)
    return await store.record_consent(ConsentRequest(**fields))


@pytest.mark.parametrize("advertiser", list(SECTORS))
async def test_without_consent_the_opt_in_regimes_forbid_what_2012_allowed(
    client: TestClient[Any, Any], advertiser: str
) -> None:
    assert await ask(client, advertiser, LAST_DAY_2012) == (True, [], "nl-ctm2012")
    assert await ask(client, advertiser, FIRST_DAY_2021) == (False, ["no_consent"], "nl-2021")
    assert await ask(client, advertiser, LAST_DAY_2021) == (False, ["no_consent"], "nl-2021")
    assert await ask(client, advertiser, FIRST_DAY_2026) == (False, ["no_consent"], "nl-2026")


@pytest.mark.parametrize("advertiser", list(SECTORS))
async def test_a_verified_consent_allows_the_call_under_both_regimes(
    client: TestClient[Any, Any], store: Store, advertiser: str
) -> None:
    await give_consent(store, advertiser)
    for at in (FIRST_DAY_2021, LAST_DAY_2021, FIRST_DAY_2026):
        assert (await ask(client, advertiser, at))[:2] == (True, [])


async def test_an_unverified_consent_counts_until_2026(
    client: TestClient[Any, Any], store: Store
) -> None:
    await give_consent(store, verified_at=None)
    assert await ask(client, "acme", LAST_DAY_2021) == (True, [], "nl-2021")
    assert await ask(client, "acme", FIRST_DAY_2026) == (
        False,
        ["consent_unverified"],
        "nl-2026",
    )


async def test_a_withdrawn_consent_does_not_count_from_its_withdrawal(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    given = await give_consent(store)
    await clock.advance(timedelta(days=365 * 3).total_seconds())  # early 2024
    await store.withdraw_consent(given.id, "asked by mail", "consumer", "desk")
    assert (await ask(client, "acme", FIRST_DAY_2021))[:2] == (True, [])
    assert await ask(client, "acme", LAST_DAY_2021) == (False, ["consent_withdrawn"], "nl-2021")


async def test_an_expired_consent_does_not_count(
    client: TestClient[Any, Any], store: Store
) -> None:
    await give_consent(store, expires_at=datetime(2024, 1, 1, tzinfo=UTC))
    assert (await ask(client, "acme", FIRST_DAY_2021))[:2] == (True, [])
    assert await ask(client, "acme", LAST_DAY_2021) == (False, ["consent_expired"], "nl-2021")


async def test_a_consent_for_another_category_does_not_count(
    client: TestClient[Any, Any], store: Store
) -> None:
    await give_consent(store, scope=("loterijen",))
    assert (await ask(client, "acme", FIRST_DAY_2021, "&category=loterijen"))[:2] == (True, [])
    assert (await ask(client, "acme", FIRST_DAY_2021, "&category=energie"))[:2] == (
        False,
        ["no_consent"],
    )
    # Without a category only a consent for everything counts.
    assert (await ask(client, "acme", FIRST_DAY_2021))[:2] == (False, ["no_consent"])


async def test_another_advertisers_consent_does_not_count(
    client: TestClient[Any, Any], store: Store
) -> None:
    await give_consent(store, "fonds")
    assert (await ask(client, "acme", FIRST_DAY_2021))[:2] == (False, ["no_consent"])


CUSTOMER = "&relation=customer"


@pytest.mark.parametrize("advertiser", list(SECTORS))
async def test_a_current_customer_relation_replaces_consent_in_2021_for_every_sector(
    client: TestClient[Any, Any], advertiser: str
) -> None:
    assert await ask(client, advertiser, FIRST_DAY_2021, CUSTOMER) == (
        True,
        ["exception_customer"],
        "nl-2021",
    )


@pytest.mark.parametrize(
    ("advertiser", "allowed"),
    [("acme", False), ("fonds", True), ("loterij", True), ("krant", True)],
)
async def test_from_2026_the_customer_relation_is_only_for_charities_lotteries_and_publishers(
    client: TestClient[Any, Any], advertiser: str, allowed: bool
) -> None:
    assert (await ask(client, advertiser, LAST_DAY_2021, CUSTOMER))[:2] == (
        True,
        ["exception_customer"],
    )
    found = await ask(client, advertiser, FIRST_DAY_2026, CUSTOMER)
    if allowed:
        assert found == (True, ["exception_customer"], "nl-2026")
    else:
        assert found == (
            False,
            ["customer_exception_not_for_sector", "no_consent"],
            "nl-2026",
        )


@pytest.mark.parametrize(
    ("at", "ended_2y11m", "ended_3y1m", "advertiser"),
    [
        (FIRST_DAY_2021, "2018-08-01", "2018-06-01", "acme"),
        (LAST_DAY_2021, "2023-07-30", "2023-05-30", "acme"),
        (FIRST_DAY_2026, "2023-08-01", "2023-06-01", "fonds"),
    ],
)
async def test_a_customer_relation_counts_for_three_years_after_it_ended(
    client: TestClient[Any, Any], at: str, ended_2y11m: str, ended_3y1m: str, advertiser: str
) -> None:
    recent = await ask(client, advertiser, at, f"{CUSTOMER}&relation_ended={ended_2y11m}")
    assert recent[:2] == (True, ["exception_customer"])
    old = await ask(client, advertiser, at, f"{CUSTOMER}&relation_ended={ended_3y1m}")
    assert old[:2] == (False, ["customer_relation_expired", "no_consent"])


async def test_a_recht_van_verzet_after_a_consent_withdraws_it_and_forbids_the_call(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await give_consent(store)
    await clock.advance(86400)
    await record(store)  # the consumer says "stop calling me"
    assert await ask(client, "acme", FIRST_DAY_2021) == (
        False,
        ["recht_van_verzet", "consent_withdrawn"],
        "nl-2021",
    )
    assert (await ask(client, "acme", FIRST_DAY_2021, CUSTOMER))[0] is False
    requested = await ask(client, "acme", FIRST_DAY_2021, "&relation=requested")
    assert requested[:2] == (True, ["exception_requested_call"])


async def test_a_consent_given_after_the_objection_does_not_lift_it(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await record(store)
    await clock.advance(86400)
    await give_consent(store, obtained_at=clock.now())
    assert await ask(client, "acme", FIRST_DAY_2021) == (
        False,
        ["recht_van_verzet", "consent_after_objection"],
        "nl-2021",
    )


async def test_research_is_not_telemarketing_and_a_callback_only_moves_the_hours(
    client: TestClient[Any, Any],
) -> None:
    research = await ask(client, "acme", FIRST_DAY_2021, "&relation=research")
    assert research[:2] == (True, ["exception_research"])
    callback = await ask(client, "acme", FIRST_DAY_2021, "&relation=callback")
    assert callback[:2] == (False, ["no_consent"])


async def test_a_named_profile_stays_and_an_ended_one_says_so(
    make_client: MakeClient,
) -> None:
    advertisers = {
        "acme": AdvertiserConfig(name="Acme", profile="nl-2021"),
        "old": AdvertiserConfig(name="Old", profile="nl-ctm2012"),
    }
    client = await make_client(profile="nl", advertisers=advertisers)
    assert await ask(client, "acme", FIRST_DAY_2026) == (
        False,
        ["no_consent", "profile_expired"],
        "nl-2021",
    )
    assert await ask(client, "old", FIRST_DAY_2021) == (True, ["profile_expired"], "nl-ctm2012")


async def test_relation_ended_needs_a_customer_relation_and_a_date(
    client: TestClient[Any, Any],
) -> None:
    for extra, code in (
        ("&relation_ended=2024-01-01", "invalid_relation"),
        (f"{CUSTOMER}&relation_ended=last-year", "invalid_date"),
    ):
        response = await client.get(
            f"/v1/may-call?number={NUMBER}&advertiser=acme&at={FIRST_DAY_2021}{extra}",
            headers=bearer(READER),
        )
        assert response.status == 422
        assert (await response.json())["error"] == code


async def test_bulk_check_and_look_up_apply_the_consent_rule_without_hours(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    other = "+31687654321"
    await give_consent(store, number=other)
    await record(store, number="+31611111111", kind=OptOutKind.RECHT_VAN_VERZET)
    await clock.advance((datetime(2026, 7, 5, 3, 0, tzinfo=UTC) - clock.now()).total_seconds())
    response = await client.post(
        "/v1/suppressions/check",
        json={"advertiser": "acme", "numbers": [NUMBER, other, "+31611111111", "x"]},
        headers=bearer(READER),
    )
    results = (await response.json())["results"]
    assert [(r["suppressed"], [c["code"] for c in r["reasons"]]) for r in results] == [
        (True, ["no_consent"]),
        (False, []),  # 05:00 on a Sunday: the hours are may-call's, not the list's
        (True, ["recht_van_verzet", "no_consent"]),
        (None, []),
    ]
    look_up = await client.get(f"/v1/suppressions/{NUMBER}?advertiser=acme", headers=bearer(READER))
    body = await look_up.json()
    assert (body["suppressed"], [c["code"] for c in body["reasons"]]) == (True, ["no_consent"])


async def test_a_scrub_under_an_opt_in_regime_keeps_only_numbers_with_consent(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    other = "+31687654321"
    objected = "+31611111111"
    await give_consent(store, number=other)
    await give_consent(store, number=objected)
    await record(store, number=objected)  # withdraws that consent too
    await clock.advance((datetime(2026, 7, 5, 3, 0, tzinfo=UTC) - clock.now()).total_seconds())
    body = f"naam,telefoon\nA,{NUMBER}\nB,{other}\nC,{objected}\nD,geen\n"

    async def scrub(mode: str) -> Any:
        response = await client.post(
            f"/v1/scrub?advertiser=acme&mode={mode}",
            data=body.encode(),
            headers={**bearer(READER), "Content-Type": "text/csv"},
        )
        assert response.status == 200, await response.text()
        return response.headers, (await response.text()).splitlines()

    headers, lines = await scrub("mark")
    assert lines[1:] == [
        f"A,{NUMBER},yes,no_consent",
        f"B,{other},no,",
        f"C,{objected},yes,recht_van_verzet|no_consent",
        "D,geen,invalid,",
    ]
    assert (headers["X-Scrub-Suppressed"], "X-Scrub-Profile-Expired" in headers) == ("2", False)
    _, kept = await scrub("remove")
    assert kept == ["naam,telefoon", f"B,{other}", "D,geen"]


async def test_a_scrub_under_an_ended_profile_says_so_in_a_header(
    client: TestClient[Any, Any], clock: VirtualClock, make_client: MakeClient
) -> None:
    old = await make_client(advertisers={"acme": AdvertiserConfig(name="A", profile="nl-ctm2012")})
    await clock.advance(86400 * 365)
    response = await old.post(
        "/v1/scrub?advertiser=acme",
        data=f"telefoon\n{NUMBER}\n".encode(),
        headers={**bearer(READER), "Content-Type": "text/csv"},
    )
    assert response.headers["X-Scrub-Profile-Expired"] == "true"


async def test_revoking_the_objection_does_not_restore_the_withdrawn_consent(
    client: TestClient[Any, Any], store: Store, clock: VirtualClock
) -> None:
    await give_consent(store)
    await clock.advance(86400)
    objection = await record(store)
    await clock.advance(86400)
    await store.revoke(objection.id, "asked again", "consumer", "api", OptOutSource.API)
    assert await ask(client, "acme", FIRST_DAY_2021) == (
        False,
        ["consent_withdrawn"],
        "nl-2021",
    )
