"""The scrub's promise over random call files: ``mode=remove`` never returns a row that
holds a suppressed number, or it refuses the file with ``number_column_not_found``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from ivr.domain import OptOutKind, OptOutSource
from ivr.rules.numbers import normalize
from ivr.scrub.columns import NUMBER_HEADERS
from ivr.store import Store
from tests.api.conftest import READER, bearer, record

POOL = [f"+316{n:08d}" for n in range(12_345_670, 12_345_682)] + ["+31201234567", "+31104567890"]
"""The numbers a file and a suppression list are drawn from (valid, E.164)."""


def forms(e164: str) -> list[str]:
    national = "0" + e164[3:]
    return [
        national,
        e164,
        national[:2] + "-" + national[2:],
        "0031 " + national[1:],
        "+31 " + national[1:3] + " " + national[3:],
        " " + national + " ",
    ]


number_cells = st.one_of(
    st.just(""), st.sampled_from(POOL).flatmap(lambda e164: st.sampled_from(forms(e164)))
)
text_cells = st.text(alphabet="abcXYZ é,;\"'\n", max_size=10)
"""Free text: no digits, so never a number; with both delimiters, quotes and line breaks."""
outside_names = st.sampled_from(["contact", "klant", "Bellen", "nr", "x"])
inside_names = st.sampled_from(sorted(NUMBER_HEADERS)).flatmap(
    lambda key: st.sampled_from([key, key.upper(), key.title(), key[:1] + " " + key[1:]])
)
text_names = st.sampled_from(["naam", "plaats", "opmerking", "Klant ID", "id"])


@dataclass
class CallFile:
    data: bytes
    rows: list[tuple[str, set[str]]]
    """Each line's raw text and the numbers it holds (E.164)."""
    delimiter: str


@st.composite
def call_files(draw: st.DrawFn) -> CallFile:
    numbers = draw(st.integers(min_value=0, max_value=3))
    texts = draw(st.integers(min_value=0 if numbers else 1, max_value=3))
    kinds = draw(st.permutations(["n"] * numbers + ["t"] * texts))
    delimiter = draw(st.sampled_from([",", ";"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    quote_all = draw(st.booleans())
    body = draw(
        st.lists(
            st.tuples(*[number_cells if kind == "n" else text_cells for kind in kinds]),
            min_size=1,
            max_size=12,
        )
    )
    lines: list[list[str]] = [list(row) for row in body]
    if draw(st.booleans()):
        names = [
            draw(st.one_of(inside_names, outside_names) if k == "n" else text_names) for k in kinds
        ]
        lines.insert(0, names)
    rows = []
    for cells in lines:
        out = io.StringIO()
        csv.writer(
            out,
            delimiter=delimiter,
            lineterminator=newline,
            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        ).writerow(cells)
        held = {
            n
            for cell, kind in zip(cells, kinds, strict=True)
            if kind == "n" and (n := normalize(cell))
        }
        rows.append((out.getvalue(), held))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return CallFile((bom + "".join(raw for raw, _ in rows)).encode(), rows, delimiter)


suppression_lists = st.lists(
    st.tuples(
        st.sampled_from(POOL),
        st.sampled_from(
            [
                ("acme", OptOutKind.RECHT_VAN_VERZET),
                ("globex", OptOutKind.RECHT_VAN_VERZET),
                ("globex", OptOutKind.BEL_ME_NIET),
            ]
        ),
    ),
    max_size=8,
)


async def scrub(
    client: TestClient[Any, Any],
    store: Store,
    file: CallFile,
    entries: list[tuple[str, tuple[str, OptOutKind]]],
) -> tuple[int, bytes]:
    """Scrub ``file`` for acme with ``entries`` on the list, then revoke them all again
    (the client and store are shared by every example)."""
    recorded = []
    for number, (advertiser, kind) in entries:
        extra = {"charities": True} if kind is OptOutKind.BEL_ME_NIET else {}
        recorded.append(await record(store, number, advertiser, kind, **extra))
    try:
        response = await client.post(
            "/v1/scrub?advertiser=acme",
            data=file.data,
            headers={"Content-Type": "text/csv", **bearer(READER)},
        )
        return response.status, await response.read()
    finally:
        for optout in recorded:
            await store.revoke(optout.id, "test", "consumer", "test", OptOutSource.API)


@settings(
    max_examples=200,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(file=call_files(), entries=suppression_lists)
async def test_remove_never_returns_a_suppressed_number(
    client: TestClient[Any, Any],
    store: Store,
    file: CallFile,
    entries: list[tuple[str, tuple[str, OptOutKind]]],
) -> None:
    suppressed = {
        number
        for number, (advertiser, kind) in entries
        if advertiser == "acme" or kind is OptOutKind.BEL_ME_NIET
    }
    note(repr(file.data))
    status, body = await scrub(client, store, file, entries)
    if status == 422:
        assert b"number_column_not_found" in body
        assert not any(held for _, held in file.rows), "refused a file that holds numbers"
        return
    if status == 400 and not file.data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip():
        assert b"first line is blank" in body  # refused loudly: no header, no data to read
        return
    assert status == 200, body
    kept = "".join(raw for raw, held in file.rows if not held & suppressed)
    assert body.decode("utf-8-sig") == kept
