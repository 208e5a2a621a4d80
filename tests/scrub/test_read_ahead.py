"""The pass reads and normalises the call file while the list is still being read, and
decides exactly as a pass over a list that was there from the start."""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import UTC, datetime
from typing import cast

import pytest

from ivr.flow.profile import known_profiles, load_profile
from ivr.regimes import Regimes
from ivr.scrub import ScrubMode, ScrubRequest, inspect_csv, scrub, scrub_file
from ivr.scrub.core import AHEAD_CHECK
from ivr.store import Store
from ivr.store.records import ListedRows
from ivr.suppression_list import SuppressionList, build

AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
LINES = 3 * AHEAD_CHECK + 17
NO_STORE = cast(Store, None)
"""The list is given: the scrub does not read it from a store."""


class WatchedFile(io.BytesIO):
    """A call file that says when it has been read to its end."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.at_end = threading.Event()

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        if not chunk and size != 0:
            self.at_end.set()
        return chunk

    def read1(self, size: int | None = -1, /) -> bytes:
        chunk = super().read1(size)
        if not chunk and size != 0:
            self.at_end.set()
        return chunk


def call_file() -> bytes:
    lines = ["id;telefoon\r\n", "\r\n"]
    for i in range(LINES):
        number = f"06-{10_000_000 + i * 7}" if i % 5 else "geen nummer"
        lines.append(f"{i};{number}\r\n")
    return "".join(lines).encode()


def suppression_list() -> SuppressionList:
    listed = [f"+316{10_000_000 + i * 7}" for i in range(0, LINES, 3)]
    return build(ListedRows(objections=listed, others=[]), "acme", None, AT)


def request(mode: ScrubMode) -> ScrubRequest:
    profiles = {name: load_profile(name) for name in known_profiles()}
    regimes = Regimes("nl-ctm2012", {}, profiles)
    return ScrubRequest.under_profile(regimes, "acme", AT, mode=mode)


@pytest.mark.parametrize("mode", list(ScrubMode))
def test_the_file_is_read_to_its_end_before_the_list_arrives(mode: ScrubMode) -> None:
    data = call_file()
    scrubbing = request(mode)
    source = WatchedFile(data)
    read_first: list[bool] = []

    async def slow_list() -> SuppressionList:
        read_first.append(await asyncio.to_thread(source.at_end.wait, 60))
        return suppression_list()

    async def run() -> bytes:
        sink = io.BytesIO()
        stats = await scrub_file(NO_STORE, scrubbing, source, sink, listed=slow_list())
        assert stats.rows == LINES
        return sink.getvalue()

    answer = asyncio.run(run())

    expected = io.BytesIO()
    plain = io.BytesIO(data)
    layout = inspect_csv(plain)
    stats = scrub(plain, expected, layout, mode, suppression_list().verdict)
    assert read_first == [True]
    assert answer == expected.getvalue()
    assert stats.suppressed == len(range(0, LINES, 3)) - len(range(0, LINES, 15))
    assert stats.invalid == len(range(0, LINES, 5))


def test_a_list_that_fails_fails_the_scrub() -> None:
    async def broken_list() -> SuppressionList:
        raise RuntimeError("the database went away")

    async def run() -> None:
        sink = io.BytesIO()
        listed = broken_list()
        await scrub_file(
            NO_STORE, request(ScrubMode.REMOVE), io.BytesIO(call_file()), sink, listed=listed
        )

    with pytest.raises(RuntimeError, match="went away"):
        asyncio.run(run())
