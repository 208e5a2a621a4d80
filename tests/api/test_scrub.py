from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ivr.domain import OptOutKind
from ivr.store import Store
from tests.api.conftest import ACME_READER, OTHER, READER, MakeClient, bearer, record

CSV = {"Content-Type": "text/csv", **bearer(READER)}


async def scrub_http(
    client: TestClient[Any, Any], body: bytes | str, query: str = "advertiser=acme", **headers: str
) -> tuple[int, bytes]:
    data = body.encode() if isinstance(body, str) else body
    response = await client.post(f"/v1/scrub?{query}", data=data, headers={**CSV, **headers})
    return response.status, await response.read()


async def test_remove_drops_suppressed_rows_and_keeps_the_rest_byte_for_byte(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    body = 'name,phone\r\n"Jansen, P.",06-12345678\r\nde Vries,0687654321\r\nonbekend,12\r\n'
    status, out = await scrub_http(client, body)
    assert status == 200
    assert out.decode() == "name,phone\r\nde Vries,0687654321\r\nonbekend,12\r\n"


async def test_mark_keeps_every_row_and_adds_the_verdict(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, advertiser="globex", kind=OptOutKind.BEL_ME_NIET)
    body = "phone,name\n+31612345678,a\n0687654321,b\nxyz,c\n"
    status, out = await scrub_http(client, body, "advertiser=acme&mode=mark")
    assert status == 200
    assert out.decode().splitlines() == [
        "phone,name,suppressed,suppression_reason",
        "+31612345678,a,yes,bel_me_niet|register_grace_period",
        "0687654321,b,no,",
        "xyz,c,invalid,",
    ]


async def test_semicolons_and_a_bom_are_kept(client: TestClient[Any, Any], store: Store) -> None:
    await record(store)
    body = "\ufeffNaam;Telefoonnummer;Plaats\nA;0612345678;Utrecht\nB;0687654321;Delft\n"
    status, out = await scrub_http(client, body.encode("utf-8"), "advertiser=acme&mode=mark")
    assert status == 200
    assert out.startswith(b"\xef\xbb\xbf")
    assert out.decode("utf-8-sig").splitlines() == [
        "Naam;Telefoonnummer;Plaats;suppressed;suppression_reason",
        "A;0612345678;Utrecht;yes;recht_van_verzet",
        "B;0687654321;Delft;no;",
    ]


async def test_a_named_column_wins_over_detection(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, number=OTHER)
    body = "phone,mobiel\n0612345678,0687654321\n"
    _, detected = await scrub_http(client, body)
    _, phone = await scrub_http(client, body, "advertiser=acme&column=phone")
    _, mobiel = await scrub_http(client, body, "advertiser=acme&column=Mobiel")
    assert detected.decode() == "phone,mobiel\n"
    assert phone.decode() == body
    assert mobiel.decode() == "phone,mobiel\n"


async def test_quoted_fields_with_line_breaks_survive(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    body = 'number,note\n0687654321,"two\nlines"\n0612345678,"x"\n"06 1111 2222","a ""q"""\n'
    status, out = await scrub_http(client, body)
    assert status == 200
    assert out.decode() == 'number,note\n0687654321,"two\nlines"\n"06 1111 2222","a ""q"""\n'


@pytest.mark.parametrize(
    ("body", "headers", "query", "status", "code"),
    [
        (
            b"number\n0612345678\n",
            {"Content-Type": "application/json"},
            "advertiser=acme",
            415,
            "unsupported_media_type",
        ),
        (
            b"number\n0612345678\n",
            {"Content-Type": "text/csv; charset=latin-1"},
            "advertiser=acme",
            415,
            "unsupported_media_type",
        ),
        (b"number\n\xff\xfe\n", {}, "advertiser=acme", 400, "malformed_csv"),
        (b"", {}, "advertiser=acme", 400, "malformed_csv"),
        (b'number\n"0612345678\n', {}, "advertiser=acme", 400, "malformed_csv"),
        (b"number\n0612\n", {}, "advertiser=acme&column=phone", 422, "unknown_column"),
        (b"number\n0612\n", {}, "advertiser=nobody", 404, "unknown_advertiser"),
        (b"number\n0612\n", {}, "advertiser=acme&mode=drop", 422, "invalid_request"),
        (b"number\n0612\n", {}, "advertiser=acme&category=wapens", 422, "unknown_category"),
    ],
)
async def test_bad_uploads_say_what_is_wrong(
    client: TestClient[Any, Any],
    body: bytes,
    headers: dict[str, str],
    query: str,
    status: int,
    code: str,
) -> None:
    response = await client.post(f"/v1/scrub?{query}", data=body, headers={**CSV, **headers})
    assert response.status == status
    assert (await response.json())["error"] == code


async def test_a_file_above_the_upload_limit_is_413(make_client: MakeClient) -> None:
    client = await make_client(max_upload_mb=1)
    body = b"number\n" + b"0612345678\n" * 100_000
    response = await client.post("/v1/scrub?advertiser=acme", data=body, headers=CSV)
    assert response.status == 413
    assert (await response.json())["error"] == "too_large"

    async def chunks() -> Any:
        yield b"number\n"
        for _ in range(100):
            yield b"0612345678\n" * 1000

    chunked = await client.post("/v1/scrub?advertiser=acme", data=chunks(), headers=CSV)
    assert chunked.status == 413


async def test_a_bound_token_scrubs_only_for_its_advertiser(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/v1/scrub?advertiser=globex",
        data=b"number\n",
        headers={"Content-Type": "text/csv", **bearer(ACME_READER)},
    )
    assert response.status == 403


async def scrub_response(
    client: TestClient[Any, Any], body: str, query: str = "advertiser=acme"
) -> tuple[int, str, dict[str, str]]:
    response = await client.post(f"/v1/scrub?{query}", data=body.encode(), headers=CSV)
    scrub_headers = {k: v for k, v in response.headers.items() if k.startswith("X-Scrub-")}
    return response.status, (await response.read()).decode("utf-8-sig"), scrub_headers


@pytest.mark.parametrize("name", ["GSM", "tel.nr", "phone_number", "Mobiel", "contact"])
async def test_a_number_column_after_a_name_column_is_found_by_its_header_or_content(
    client: TestClient[Any, Any], store: Store, name: str
) -> None:
    await record(store)
    body = f"naam,{name}\nJansen,06 1234 5678\nde Vries,0687654321\nBakker,+31611112222\n"
    status, out, headers = await scrub_response(client, body)
    assert status == 200
    assert out == f"naam,{name}\nde Vries,0687654321\nBakker,+31611112222\n"
    assert headers == {
        "X-Scrub-Rows": "3",
        "X-Scrub-Suppressed": "1",
        "X-Scrub-Invalid": "0",
        "X-Scrub-Columns": name,
        "X-Scrub-Profile-Expired": "true",  # nl-ctm2012 ended 2021-06-30 (docs/design.md 15.39)
    }


async def test_a_headerless_list_is_scrubbed_from_its_first_line(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    body = "0612345678\n0687654321\n"
    status, out, headers = await scrub_response(client, body)
    assert status == 200
    assert out == "0687654321\n"
    assert (headers["X-Scrub-Rows"], headers["X-Scrub-Suppressed"]) == ("2", "1")
    assert headers["X-Scrub-Columns"] == "#1"


async def test_a_headerless_file_is_marked_without_a_header_line(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    body = "Jansen;0612345678;Utrecht\nde Vries;0687654321\n"
    status, out, headers = await scrub_response(client, body, "advertiser=acme&mode=mark")
    assert status == 200
    assert out.splitlines() == [
        "Jansen;0612345678;Utrecht;yes;recht_van_verzet",
        "de Vries;0687654321;;no;",
    ]
    assert headers["X-Scrub-Columns"] == "#2"


async def test_a_suppressed_number_in_a_second_number_column_suppresses_the_row(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, number=OTHER)
    body = "naam,nummer,mobiel\nA,0611111111,0687654321\nB,0622222222,\nC,,0633333333\n"
    status, out, headers = await scrub_response(client, body)
    assert status == 200
    assert out == "naam,nummer,mobiel\nB,0622222222,\nC,,0633333333\n"
    assert headers["X-Scrub-Columns"] == "nummer,mobiel"
    assert headers["X-Scrub-Suppressed"] == "1"


async def test_both_named_columns_are_checked_when_asked_for(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store, number=OTHER)
    body = "a,b,c\nx,0611111111,0687654321\ny,0622222222,0633333333\n"
    status, out, headers = await scrub_response(client, body, "advertiser=acme&column=b&column=C")
    assert status == 200
    assert out == "a,b,c\ny,0622222222,0633333333\n"
    assert headers["X-Scrub-Columns"] == "b,c"


async def test_a_file_without_a_number_column_is_refused_with_its_headers(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    response = await client.post(
        "/v1/scrub?advertiser=acme", data=b"naam,plaats\nA,Utrecht\n", headers=CSV
    )
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "number_column_not_found"
    assert body["headers"] == ["naam", "plaats"]
    assert body["message"] == (
        "no number column found (headers seen: 'naam', 'plaats'); name it with column=NAME"
    )


async def test_mark_pads_short_rows_and_appends_after_long_ones(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    body = "naam,telefoon,plaats\nA,0612345678\nB,0687654321,Delft,extra\nC\n"
    status, out, headers = await scrub_response(client, body, "advertiser=acme&mode=mark")
    assert status == 200
    assert out.splitlines() == [
        "naam,telefoon,plaats,suppressed,suppression_reason",
        "A,0612345678,,yes,recht_van_verzet",
        "B,0687654321,Delft,extra,no,",
        "C,,,invalid,",
    ]
    assert (headers["X-Scrub-Rows"], headers["X-Scrub-Invalid"]) == ("3", "1")


async def test_a_file_that_breaks_after_its_first_rows_is_refused_whole(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    body = b"number\n" + b"0687654321\n" * 30_000 + b"\xff\n"
    response = await client.post("/v1/scrub?advertiser=acme", data=body, headers=CSV)
    assert response.status == 400
    assert (await response.json())["error"] == "malformed_csv"
