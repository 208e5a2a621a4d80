"""The chunked pass (:mod:`ivr.scrub.plain`) answers a call file without quotes exactly as
reading it line by line does: the same bytes kept, the same counts, whatever the number
forms, blank or short lines, line ends, chunk boundaries and list."""

from __future__ import annotations

import codecs
import io
import os
import tempfile
import threading
from collections.abc import Callable
from typing import BinaryIO
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.rules.numbers import normalize
from ivr.scrub import core, forked, plain
from ivr.scrub.core import ScrubMode, scrub
from ivr.scrub.csvfile import CsvLayout
from ivr.suppression_list import SuppressionList, Verdict

NUMBERS = ["+31612345678", "+31687654321", "+31201234567", "+4915112345678", "+31612345679"]


def forms(e164: str) -> list[str]:
    national = "0" + e164[3:] if e164.startswith("+31") else "00" + e164[1:]
    return [
        national,
        e164,
        "0031 " + e164[3:4] + " " + e164[4:],
        national[:2] + "-" + national[2:],
        "+31 6 " + e164[4:8] + " " + e164[8:],
        " " + national + " ",
        national[:2] + "." + national[2:],
        "(" + national[:2] + ") " + national[2:],
        national.replace("6", "\uff16"),
        national[:-1],
        national + "0",
    ]


number_cells = st.one_of(
    st.sampled_from(NUMBERS).flatmap(lambda e164: st.sampled_from(forms(e164))),
    st.sampled_from(["", " ", "-", "0712345678", "06-9", "+31", "0031"]),
)
text_cells = st.text(alphabet="ab é-;,\r\n", max_size=6)
verdicts = st.builds(Verdict, st.booleans(), st.just(()), st.just(()))


@st.composite
def call_files(draw: st.DrawFn) -> tuple[bytes, CsvLayout]:
    delimiter = draw(st.sampled_from([",", ";"]))
    column = draw(st.integers(0, 2))
    has_header = draw(st.booleans())
    empty: list[str] = []
    rows = draw(
        st.lists(
            st.one_of(
                st.just(empty),
                st.lists(text_cells, min_size=3, max_size=4).flatmap(
                    lambda cells: number_cells.map(
                        lambda number: [*cells[:column], number, *cells[column + 1 :]]
                    )
                ),
                st.lists(text_cells, max_size=2),
            ),
            max_size=14,
        )
    )
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(rows) + 1))
    lines = [delimiter.join(cells) + end for cells, end in zip(rows, ends, strict=False)]
    names = ["id", "naam", "telefoon", "plaats"]
    if has_header:
        lines.insert(0, delimiter.join(names) + ends[-1])
    unended: bool = draw(st.booleans())
    if lines and unended:
        lines[-1] = lines[-1].rstrip("\r\n")
    bom: bool = draw(st.booleans())
    data = (codecs.BOM_UTF8 if bom else b"") + "".join(lines).encode()
    layout = CsvLayout(delimiter, names, has_header, (column,), 4, bom, quoted=False)
    return data, layout


@st.composite
def lists(draw: st.DrawFn) -> SuppressionList:
    objections = set(draw(st.lists(st.sampled_from(NUMBERS))))
    others = draw(st.dictionaries(st.sampled_from(NUMBERS), verdicts))
    return SuppressionList(objections, draw(verdicts), others)


def line_by_line(
    data: bytes, layout: CsvLayout, listed: SuppressionList
) -> tuple[bytes, list[int]]:
    """The answer as a reading of every line by itself gives it."""
    lines = list(io.StringIO(data.decode("utf-8-sig"), newline=""))
    kept = lines[:1] if layout.has_header else []
    counts = [0, 0, 0]
    for line in lines[1:] if layout.has_header else lines:
        body = line.rstrip("\r\n")
        if not body:
            kept.append(line)
            continue
        cells = body.split(layout.delimiter)
        column = layout.columns[0]
        number = normalize(cells[column]) if column < len(cells) else None
        found = None if number is None else listed.verdict(number)
        counts[0] += 1
        if found is not None and found.suppressed:
            counts[1] += 1
            continue
        counts[2] += number is None
        kept.append(line)
    return (codecs.BOM_UTF8 if layout.bom else b"") + "".join(kept).encode(), counts


@settings(max_examples=400)
@given(file=call_files(), listed=lists(), chunk=st.integers(1, 120))
def test_the_chunked_pass_answers_as_line_by_line(
    file: tuple[bytes, CsvLayout], listed: SuppressionList, chunk: int
) -> None:
    data, layout = file
    answer = io.BytesIO()
    with mock.patch.object(plain, "CHUNK_BYTES", chunk):
        stats = scrub(io.BytesIO(data), answer, layout, ScrubMode.REMOVE, listed)
    kept, counts = line_by_line(data, layout, listed)
    assert answer.getvalue() == kept
    assert [stats.rows, stats.suppressed, stats.invalid] == counts


def test_a_plain_chunk_is_decided_in_one_go() -> None:
    lines = [
        "1;Jan;0612345678;Utrecht\r\n",
        "2;Piet;+31687654321;Breda\r\n",
        "3;Kees;0031 6 12345679;Ede\r\n",
        "4;Joke;06-12345678;Ede\r\n",
        "5;Els;+31 6 8765 4321;Ede\r\n",
        "6;Ans;020-1234567;Amsterdam\r\n",
        "7;Bep;12345;Ede",
    ]
    listed = SuppressionList({"+31612345678"}, Verdict(True, (), ()), {})
    cells = plain.number_cells(";", 2)
    decided = plain.decide("".join(lines).encode(), cells, listed.suppressed)
    assert decided is not None
    assert decided.kept == "".join(lines[1:3] + lines[4:]).encode()
    assert (decided.rows, decided.suppressed, decided.invalid) == (7, 2, 1)


def test_a_chunk_with_a_blank_line_is_left_to_the_line_by_line_pass() -> None:
    listed = SuppressionList(set(), Verdict(True, (), ()), {})
    cells = plain.number_cells(";", 0)
    assert plain.decide(b"0612345678\n\n0612345679\n", cells, listed.suppressed) is None
    assert plain.decide(b"0612345678\r0612345679\n", cells, listed.suppressed) is None


@settings(max_examples=60, deadline=None)
@given(file=call_files(), listed=lists(), chunk=st.integers(1, 40), fails=st.booleans())
def test_two_halves_in_two_processes_answer_as_line_by_line(
    file: tuple[bytes, CsvLayout], listed: SuppressionList, chunk: int, fails: bool
) -> None:
    data, layout = file
    started: list[forked.Forked] = []

    class Spied(forked.Forked):
        def __init__(self, work: Callable[[BinaryIO], forked.Counts]) -> None:
            super().__init__(_failing if fails else work)
            started.append(self)

    answer = io.BytesIO()
    with (
        tempfile.TemporaryFile() as source,
        mock.patch.object(plain, "CHUNK_BYTES", chunk),
        mock.patch.object(core, "FORK_BYTES", 1),
        mock.patch.object(forked, "Forked", Spied),
    ):
        source.write(data)
        stats = scrub(source, answer, layout, ScrubMode.REMOVE, listed)
    kept, counts = line_by_line(data, layout, listed)
    assert answer.getvalue() == kept
    assert [stats.rows, stats.suppressed, stats.invalid] == counts
    body = data[3:] if layout.bom else data
    if layout.has_header:
        body = body[len(body.splitlines(keepends=True)[0]) :]
    after = body.find(b"\n", len(body) // 2) + 1
    assert len(started) == (0 < after < len(body)), "split where a line starts past the middle"


def _failing(out: BinaryIO) -> forked.Counts:
    out.write(b"half an answer")
    raise RuntimeError("the copy fails")


def _writing(out: BinaryIO) -> forked.Counts:
    out.write(b"kept\n")
    return 1, 2, 3


def test_the_copy_hands_back_what_it_wrote_and_counted() -> None:
    with forked.Forked(_writing) as other:
        done = other.result(60)
        assert done is not None
        out, counts = done
        assert (out.read(), counts) == (b"kept\n", (1, 2, 3))


def test_a_copy_that_fails_hands_back_nothing() -> None:
    with forked.Forked(_failing) as other:
        assert other.result(60) is None


def _stuck(out: BinaryIO) -> forked.Counts:
    threading.Event().wait()  # a lock the fork left held, say: never returns
    return 0, 0, 0


def test_a_copy_that_never_finishes_is_killed_and_hands_back_nothing() -> None:
    with forked.Forked(_stuck) as other:
        pid = other._pid
        assert other.result(0.2) is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_without_a_copy_the_caller_is_told_to_do_the_work() -> None:
    for broken in ("fork", "pipe"):
        with (
            mock.patch(f"os.{broken}", side_effect=OSError("no resources")),
            forked.Forked(_writing) as other,
        ):
            assert other.result(60) is None
