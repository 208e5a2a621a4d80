"""The web page end to end in Chromium, signed in with a read, a write and an
advertiser-bound token (docs/design.md 13, 14.28, 15.40)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from ivr.rules.reasons import NO_PERMISSION, OUTSIDE_HOURS, SUPPRESSING
from tests.ui.conftest import UiServer, check_page, sign_in

RVV_NUMBER = "+31612345678"
TOTAAL_NUMBER = "+31623456789"


def search(page: Any, number: str, advertiser: str = "acme") -> None:
    page.goto("/ui/nummer")
    page.get_by_label("Nummer", exact=True).fill(number)
    page.get_by_label("Adverteerder").select_option(advertiser)
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**/ui/nummer?*")


def allowed_but_for_the_hours(page: Any) -> bool:
    """May call now, or only now's calling hours say no: the page judges the real clock's
    now, so after 22:00, on Sundays and on holidays it says no for that reason alone."""
    if page.locator("[data-allowed]").get_attribute("data-allowed") == "true":
        return True
    codes = set(page.locator("ul.reasons code").all_inner_texts())
    return bool(codes & OUTSIDE_HOURS) and not codes & (SUPPRESSING | NO_PERMISSION)


def stored_rights(server: UiServer, call_id: str) -> dict[str, str] | None:
    with sqlite3.connect(server.db) as db:
        (rights,) = db.execute("SELECT rights FROM calls WHERE id = ?", (call_id,)).fetchone()
    return None if rights is None else dict(json.loads(rights))


def test_reader_finds_a_number_and_opens_the_proof_of_its_call(
    new_page: Any, ui_server: UiServer
) -> None:
    page = new_page()
    sign_in(page, "reader")
    search(page, "06-1234 5678")
    assert page.locator("[data-allowed]").get_attribute("data-allowed") == "false"
    assert "recht_van_verzet" in page.locator(".reasons").inner_text()
    assert "recht van verzet" in page.locator("table.entries").inner_text()
    assert page.get_by_role("link", name="Invoeren").count() == 0
    assert page.locator("details.revoke").count() == 0
    check_page(page, "nummer")

    page.locator("section", has=page.locator("#calls")).get_by_role("link").first.click()
    page.wait_for_url("**/ui/gesprek/*")
    assert page.locator("#chain").get_attribute("data-ok") == "true"
    timeline = page.locator("table.timeline").inner_text()
    assert "welcome" in timeline
    assert re.search(r"onderbroken op \d+\.\ds|tot het eind gehoord", timeline)
    assert "toets 1" in timeline
    call_id = page.url.rsplit("/", 1)[1]
    shown = page.locator("#rights").inner_text()
    rights = stored_rights(ui_server, call_id)
    if rights is None:  # a flow that writes no verdict yet
        assert shown == "geen oordeel"
    else:
        assert f"recht van verzet: {rights['recht_van_verzet']}" in shown
    check_page(page, "gesprek")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Bewijs van dit gesprek")).click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()]
    assert rows and call_id in json.dumps(rows[0])

    assert page.goto("/ui/invoeren").status == 403


def test_writer_enters_an_opt_out_once_and_revokes_it(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "writer")
    page.goto("/ui/invoeren")
    check_page(page, "invoeren")
    page.get_by_label("Nummer", exact=True).fill("06 8988 7766")
    page.get_by_label("Register: alles (totaal)").check()
    page.get_by_label("Id van de medewerker").fill("agent-17")
    page.get_by_role("button", name="Vastleggen").click()
    # the charities question refuses an empty answer: the form is not sent
    charities = page.get_by_label("Nee, ook goede doelen niet")
    assert charities.evaluate("e => e.validity.valueMissing") is True
    assert page.locator("#saved").count() == 0

    charities.check()
    page.get_by_role("button", name="Vastleggen").click()
    page.wait_for_selector("#saved")
    assert "+31689887766" in page.locator("#saved").inner_text()

    # the same form sent again (its idempotency key) stores no second row
    again = page.evaluate(
        """async () => {
            const form = document.getElementById("optout-form");
            return (await fetch("/ui/invoeren", {method: "POST", body: new URLSearchParams(
                new FormData(form))})).status; }"""
    )
    assert again == 200

    search(page, "+31689887766")
    rows = page.locator("table.entries tr[data-optout]")
    assert rows.count() == 1
    page.get_by_text("Intrekken").first.click()
    page.get_by_label("Reden").fill("schriftelijk verzoek")
    page.get_by_label("Verzocht door").fill("de consument, brief 12")
    page.get_by_role("button", name="Intrekken").click()
    page.wait_for_url("**/ui/nummer?*")
    entries = page.locator("table.entries").inner_text()
    assert "ingetrokken" in entries
    assert "schriftelijk verzoek" in entries
    assert allowed_but_for_the_hours(page)


def test_the_charities_question_is_required_by_the_server_too(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "writer")
    page.goto("/ui/invoeren")
    status = page.evaluate(
        """async () => {
            const form = document.getElementById("optout-form");
            const body = new URLSearchParams(new FormData(form));
            body.set("number", "0611112222"); body.set("what", "all");
            body.set("agent", "a1"); body.delete("charities");
            const answer = await fetch("/ui/invoeren", {method: "POST", body});
            return [answer.status, await answer.text()]; }"""
    )
    assert status[0] == 422
    assert "charities" in status[1]


def test_a_post_without_the_csrf_token_or_from_another_origin_is_refused(
    new_page: Any, ui_server: UiServer
) -> None:
    page = new_page()
    sign_in(page, "writer")
    page.goto("/ui/invoeren")
    without = page.evaluate(
        """async () => {
            const body = new URLSearchParams(new FormData(document.getElementById("optout-form")));
            body.delete("csrf"); body.set("number", "0622223333");
            body.set("what", "recht_van_verzet"); body.set("agent", "a1");
            return (await fetch("/ui/invoeren", {method: "POST", body})).status; }"""
    )
    assert without == 403
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    foreign = page.request.post(
        "/ui/invoeren",
        form={"csrf": csrf, "number": "0622223333", "what": "recht_van_verzet", "agent": "a1"},
        headers={"Origin": "http://evil.example"},
    )
    assert foreign.status == 403
    search(page, "0622223333")
    assert page.locator("table.entries").count() == 0


def test_a_call_file_is_scrubbed_and_downloaded(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "reader")
    page.goto("/ui/opschonen")
    check_page(page, "opschonen")
    calls = "naam;telefoon\nA;06-12345678\nB;0687654321\nC;+31623456789\nD;onzin\n"
    page.get_by_label("Belbestand (CSV)").set_input_files(
        {"name": "bellijst.csv", "mimeType": "text/csv", "buffer": calls.encode()}
    )
    page.get_by_role("button", name="Opschonen").click()
    page.wait_for_selector("#scrub-result")
    assert page.locator("#columns").inner_text() == "telefoon"
    assert page.locator("#rows").inner_text() == "4"
    assert page.locator("#suppressed").inner_text() == "2"
    assert page.locator("#invalid").inner_text() == "1"
    check_page(page, "opschonen-klaar")
    with page.expect_download() as download:
        page.locator("#download").click()
    scrubbed = Path(download.value.path()).read_text(encoding="utf-8")
    assert "0687654321" in scrubbed and "onzin" in scrubbed
    assert "06-12345678" not in scrubbed and "+31623456789" not in scrubbed


def test_the_overview_counts_the_days_calls(new_page: Any, ui_server: UiServer) -> None:
    with sqlite3.connect(ui_server.db) as db:
        (calls,) = db.execute("SELECT COUNT(*) FROM calls").fetchone()
    assert calls >= 7
    page = new_page("en-US")
    sign_in(page, "reader", english=True)
    assert page.locator("h1").inner_text() == "Overview"
    assert page.locator("[data-figure=calls]").first.inner_text() == str(calls)
    assert page.locator("svg.chart").count() == 8
    assert "completed" in page.locator("section.period").first.inner_text()
    check_page(page, "overzicht")
    page.goto("/ui/export")
    check_page(page, "export")


def test_a_bound_token_sees_only_its_advertiser(new_page: Any, ui_server: UiServer) -> None:
    reader = new_page()
    sign_in(reader, "reader")
    search(reader, RVV_NUMBER)
    call_link = reader.locator("section", has=reader.locator("#calls")).get_by_role("link")
    call_path = call_link.first.get_attribute("href")

    page = new_page()
    sign_in(page, "beta")
    assert page.goto(f"/ui/nummer?n={RVV_NUMBER}&advertiser=acme").status == 404
    assert page.goto(call_path).status == 404
    assert page.goto(call_path + "/export").status == 404
    search(page, RVV_NUMBER, "beta")
    assert allowed_but_for_the_hours(page)
    assert page.locator("table.entries").count() == 0
    assert page.locator("#calls + p").inner_text() == "Geen gesprekken."
    search(page, TOTAAL_NUMBER, "beta")
    entries = page.locator("table.entries").inner_text()
    assert "register" in entries and "acme" not in entries
    assert page.locator("details.revoke").count() == 0
    optout_id = page.locator("tr[data-optout]").first.get_attribute("data-optout")
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    refused = page.request.post(
        f"/ui/intrekken/{optout_id}",
        form={"csrf": csrf, "reason": "x", "requested_by": "y"},
        headers={"Origin": ui_server.url},
    )
    assert refused.status == 404
    exported = page.request.get("/ui/export?format=jsonl").text()
    assert "acme" not in exported and TOTAAL_NUMBER in exported
    assert RVV_NUMBER not in exported
