from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.api.scrub_core import (
    MalformedCsv,
    ScrubMode,
    ScrubStats,
    inspect_csv,
    number_column,
    scrub,
)
from ivr.domain import OptOutKind
from ivr.rules.reasons import Reason, ReasonCode, reason
from ivr.store import Store
from ivr.suppressions import InputError
from tests.api.conftest import ACME_READER, NUMBER, OTHER, READER, MakeClient, bearer, record

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
    _, named = await scrub_http(client, body, "advertiser=acme&column=Mobiel")
    assert detected.decode() == body
    assert named.decode() == "phone,mobiel\n"


async def test_without_a_number_header_the_first_column_is_used(
    client: TestClient[Any, Any], store: Store
) -> None:
    await record(store)
    status, out = await scrub_http(client, "gsm,naam\n0612345678,x\n0687654321,y\n")
    assert status == 200
    assert out.decode() == "gsm,naam\n0687654321,y\n"


@pytest.mark.parametrize(
    ("header", "named", "expected"),
    [
        (["naam", "MSISDN"], None, 1),
        (["id", " Nummer ", "phone"], None, 1),
        (["a", "b"], None, 0),
        (["a", "b"], "B", 1),
    ],
)
def test_number_column_detection(header: list[str], named: str | None, expected: int) -> None:
    assert number_column(header, named) == expected


def test_an_unknown_named_column_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        number_column(["a"], "phone")
    assert caught.value.code == "unknown_column"


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


class CountingJudge:
    def __init__(self, suppressed: set[str]) -> None:
        self.suppressed = suppressed
        self.batches: list[int] = []

    async def __call__(self, numbers: Sequence[str]) -> Mapping[str, Sequence[Reason]]:
        self.batches.append(len(numbers))
        hit = [reason(ReasonCode.RECHT_VAN_VERZET)]
        return {n: hit if n in self.suppressed else [] for n in numbers}


async def test_the_scrub_looks_numbers_up_a_batch_at_a_time() -> None:
    lines = "".join(f"+316{n:08d}\n" for n in range(10_000_000, 10_000_250))
    file = io.BytesIO(("number\n" + lines).encode())
    layout = inspect_csv(file)
    assert layout.rows == 250
    judge = CountingJudge({"+31610000007"})
    stats = ScrubStats()
    pieces = [p async for p in scrub(file, layout, ScrubMode.REMOVE, judge, stats, batch_rows=100)]
    assert judge.batches == [100, 100, 50]
    assert len(pieces) == 4
    assert "+31610000007" not in "".join(pieces)
    assert (stats.rows, stats.suppressed, stats.invalid) == (250, 1, 0)


def test_inspect_refuses_a_blank_header() -> None:
    with pytest.raises(MalformedCsv):
        inspect_csv(io.BytesIO(b"\n0612345678\n"))


# A bare CR in an unquoted cell (Python's csv writer leaves it unquoted when the line
# terminator is LF) is a line break to every CSV reader, so it is not a cell's text.
_cell = st.text(st.characters(codec="utf-8", exclude_characters="\x00\r"), max_size=8)
_number = st.sampled_from(["0612345678", "+31687654321", "0611112222", "nope", ""])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(_number, _cell), max_size=30),
    delimiter=st.sampled_from([",", ";"]),
    crlf=st.booleans(),
    bom=st.booleans(),
)
async def test_remove_keeps_exactly_the_rows_not_suppressed(
    rows: list[tuple[str, str]], delimiter: str, crlf: bool, bom: bool
) -> None:
    import csv

    newline = "\r\n" if crlf else "\n"
    records = []
    for number, note in rows:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerow([number, note])
        records.append((number, buffer.getvalue()))
    text = f"telefoon{delimiter}note{newline}" + "".join(r for _, r in records)
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    file = io.BytesIO(data)
    layout = inspect_csv(file)
    assert layout.delimiter == delimiter
    judge = CountingJudge({NUMBER})
    out = "".join([p async for p in scrub(file, layout, ScrubMode.REMOVE, judge, batch_rows=7)])
    kept = "".join(r for n, r in records if n != "0612345678")
    assert out == ("\ufeff" if bom else "") + f"telefoon{delimiter}note{newline}" + kept
