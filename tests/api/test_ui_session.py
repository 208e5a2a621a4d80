"""``/ui``'s session, CSRF and origin checks, in process (docs/design.md 13, 14.28, 15.40); the
pages themselves are driven in a real browser by tests/ui."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from ivr.clock import VirtualClock
from ivr.config import AdvertiserConfig
from ivr.domain import ConsentChannel, ConsentRequest, OptOutKind, OptOutSource
from ivr.store import Store
from tests.api.conftest import (
    ACME_READER,
    MONDAY_MORNING,
    NUMBER,
    OTHER,
    READER,
    WRITER,
    MakeClient,
    record,
)

FORM = "application/x-www-form-urlencoded"


def origin(client: TestClient[Any, Any]) -> dict[str, str]:
    return {"Origin": str(client.make_url("")).rstrip("/")}


async def csrf_of(client: TestClient[Any, Any], path: str) -> str:
    page = await (await client.get(path)).text()
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


async def sign_in(client: TestClient[Any, Any], token: str) -> Any:
    csrf = await csrf_of(client, "/ui/login")
    return await client.post(
        "/ui/login",
        data={"csrf": csrf, "token": token},
        headers=origin(client),
        allow_redirects=False,
    )


async def test_signing_in_sets_a_strict_http_only_signed_cookie(make_client: MakeClient) -> None:
    client = await make_client(ui_secret="k1")
    answer = await sign_in(client, READER)
    assert answer.status == 303
    cookie = answer.headers["Set-Cookie"]
    assert "ivr_session=" in cookie and READER not in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert "Max-Age=28800" in cookie
    assert (await client.get("/ui/", allow_redirects=False)).status == 200


async def test_a_wrong_token_signs_nobody_in(make_client: MakeClient) -> None:
    client = await make_client()
    answer = await sign_in(client, "not-a-token")
    assert answer.status == 401
    assert (await client.get("/ui/", allow_redirects=False)).status == 303


async def test_the_cookie_is_secure_behind_a_trusted_proxy_only(make_client: MakeClient) -> None:
    for trusted, secure in ((True, True), (False, False)):
        client = await make_client(trust_proxy=trusted)
        answer = await client.get("/ui/login", headers={"X-Forwarded-Proto": "https"})
        assert ("Secure" in answer.headers["Set-Cookie"]) is secure


async def test_a_session_ends_when_its_token_is_removed(make_client: MakeClient) -> None:
    first = await make_client(ui_secret="shared")
    await sign_in(first, WRITER)
    cookie = first.session.cookie_jar.filter_cookies(first.make_url("/ui/"))["ivr_session"]
    assert (await first.get("/ui/", allow_redirects=False)).status == 200
    without = await make_client(ui_secret="shared", api_tokens=f"{READER}:read::reader")
    answer = await without.get(
        "/ui/", headers={"Cookie": f"ivr_session={cookie.value}"}, allow_redirects=False
    )
    assert answer.status == 303 and answer.headers["Location"] == "/ui/login"
    first.session.cookie_jar.clear()
    tampered = cookie.value[:-2] + ("00" if not cookie.value.endswith("00") else "11")
    answer = await first.get(
        "/ui/", headers={"Cookie": f"ivr_session={tampered}"}, allow_redirects=False
    )
    assert answer.status == 303


async def test_without_tokens_an_anonymous_session_still_needs_csrf_and_origin(
    make_client: MakeClient, store: Store
) -> None:
    client = await make_client(api_tokens="")
    csrf = await csrf_of(client, "/ui/invoeren")
    form = {"number": "0612345678", "advertiser": "acme", "what": "recht_van_verzet"}
    form |= {"agent": "a1", "idempotency_key": "k-1"}
    refused = await client.post("/ui/invoeren", data=form, headers=origin(client))
    assert refused.status == 403
    foreign = await client.post(
        "/ui/invoeren", data={**form, "csrf": csrf}, headers={"Origin": "http://evil.example"}
    )
    assert foreign.status == 403
    no_origin = await client.post("/ui/invoeren", data={**form, "csrf": csrf})
    assert no_origin.status == 403
    assert await store.active_optouts("+31612345678") == []
    stored = await client.post("/ui/invoeren", data={**form, "csrf": csrf}, headers=origin(client))
    assert stored.status == 201
    again = await client.post("/ui/invoeren", data={**form, "csrf": csrf}, headers=origin(client))
    assert again.status == 200
    assert len(await store.active_optouts("+31612345678")) == 1


async def test_a_read_token_cannot_write(make_client: MakeClient, store: Store) -> None:
    client = await make_client()
    await sign_in(client, READER)
    csrf = await csrf_of(client, "/ui/nummer")
    form = {"csrf": csrf, "number": "0612345678", "advertiser": "acme"}
    form |= {"what": "recht_van_verzet", "agent": "a1", "idempotency_key": "k-2"}
    answer = await client.post("/ui/invoeren", data=form, headers=origin(client))
    assert answer.status == 403
    assert await store.active_optouts("+31612345678") == []


async def test_a_scrub_result_is_served_for_one_hour_to_its_owner_only(
    make_client: MakeClient, clock: VirtualClock
) -> None:
    client = await make_client()
    await sign_in(client, WRITER)
    csrf = await csrf_of(client, "/ui/opschonen")
    data = {"csrf": csrf, "advertiser": "acme", "mode": "mark"}
    upload = await client.post(
        "/ui/opschonen",
        data={**data, "file": io.BytesIO(b"telefoon\n0612345678\n")},
        headers=origin(client),
    )
    page = await upload.text()
    assert upload.status == 200, page
    link = re.search(r'href="(/ui/opschonen/[0-9a-f]+)"', page)
    assert link is not None
    scrubbed = await client.get(link.group(1))
    assert (await scrubbed.text()).startswith("telefoon,suppressed,suppression_reason")
    other = await make_client()
    await sign_in(other, READER)
    assert (await other.get(link.group(1))).status == 404
    await clock.advance(timedelta(hours=1, seconds=1).total_seconds())
    assert (await client.get(link.group(1))).status == 404


async def test_the_scrub_form_offers_the_topics_of_the_advertisers_own_profile(
    make_client: MakeClient,
) -> None:
    advertisers = {
        "acme": AdvertiserConfig(name="Acme Energie"),
        "usco": AdvertiserConfig(name="US Co", profile="us-tcpa"),
    }
    client = await make_client(advertisers=advertisers)
    await sign_in(client, WRITER)

    async def topics(advertiser: str) -> list[str]:
        page = await (await client.get(f"/ui/opschonen?advertiser={advertiser}")).text()
        found = re.search(r'<select id="category".*?</select>', page, re.S)
        assert found is not None, page
        return re.findall(r'<option value="([^"]*)">', found.group(0))

    assert "energie" in await topics("acme")
    assert await topics("usco") == [""]  # only "-": us-tcpa has no register topics
    usco = await (await client.get("/ui/opschonen?advertiser=usco")).text()
    assert '<option value="usco" selected>' in usco


async def test_an_upload_without_its_csrf_field_first_is_refused(make_client: MakeClient) -> None:
    client = await make_client()
    await sign_in(client, WRITER)
    answer = await client.post(
        "/ui/opschonen",
        data={"advertiser": "acme", "file": io.BytesIO(b"telefoon\n0612345678\n")},
        headers=origin(client),
    )
    assert answer.status == 403


async def test_a_session_lasts_eight_hours(make_client: MakeClient, clock: VirtualClock) -> None:
    client = await make_client()
    await sign_in(client, READER)
    await clock.advance(timedelta(hours=7, minutes=59).total_seconds())
    assert (await client.get("/ui/", allow_redirects=False)).status == 200
    await clock.advance(timedelta(minutes=2).total_seconds())
    assert (await client.get("/ui/", allow_redirects=False)).status == 303


async def test_dutch_by_default_english_by_query_or_browser(make_client: MakeClient) -> None:
    client = await make_client()
    assert "Aanmelden" in await (await client.get("/ui/login")).text()
    english = await client.get("/ui/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in await english.text()
    asked = await client.get("/ui/login?lang=en", headers={"Accept-Language": "nl"})
    assert "Sign in" in await asked.text()
    assert 'lang="en"' in await (await client.get("/ui/login")).text()  # kept in a cookie


async def test_the_overview_counts_only_what_a_bound_token_may_see(
    make_client: MakeClient, store: Store
) -> None:
    await record(store, NUMBER, "acme")
    await record(store, OTHER, "globex")
    await record(store, "+31611111111", "globex", OptOutKind.BEL_ME_NIET, charities=True)
    client = await make_client()
    await sign_in(client, ACME_READER)
    page = await (await client.get("/ui/")).text()
    today = page.split('id="period-2"')[0]
    assert re.search(r"<td>recht van verzet</td><td class=\"num\">1</td>", today)
    assert re.search(r"<td>Bel-me-niet Register</td><td class=\"num\">1</td>", today)
    everyone = await make_client()
    await sign_in(everyone, READER)
    page = await (await everyone.get("/ui/")).text()
    assert re.search(r"<td>recht van verzet</td><td class=\"num\">2</td>", page)
    assert "<svg" in page and "<script>" not in page


async def test_the_number_page_shows_the_history_and_consents_only_under_an_opt_in_profile(
    make_client: MakeClient, store: Store, clock: VirtualClock
) -> None:
    revoked = await record(store, NUMBER, "acme")
    await clock.advance(1)
    await store.revoke(revoked.id, "asked in writing", "consumer", "api", OptOutSource.API)
    await store.record_consent(
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
    opt_in = await make_client(profile="nl")
    await sign_in(opt_in, READER)
    page = await (await opt_in.get("/ui/nummer?n=0612345678&advertiser=acme")).text()
    assert 'data-allowed="true"' in page
    assert f'id="optout-{revoked.id}" class="revoked"' in page
    assert "asked in writing (consumer)" in page
    assert 'id="consents"' in page and "consent · all" in page

    opt_out = await make_client()
    await sign_in(opt_out, READER)
    page = await (await opt_out.get("/ui/nummer?n=0612345678&advertiser=acme")).text()
    assert f'id="optout-{revoked.id}" class="revoked"' in page
    assert 'id="consents"' not in page
