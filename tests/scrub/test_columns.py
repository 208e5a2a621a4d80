from __future__ import annotations

import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.rules.numbers import normalize
from ivr.scrub import MalformedCsv, NumberColumnNotFound, inspect_csv
from ivr.scrub.columns import (
    SAMPLE_CELLS,
    VALID_SHARE,
    content_columns,
    header_key,
    is_header,
    looks_like_number,
    named_columns,
)
from ivr.scrub.csvfile import detect_delimiter
from ivr.suppressions import InputError


@pytest.mark.parametrize(
    ("name", "key"),
    [("Tel.nr", "telnr"), (" Phone_Number ", "phonenumber"), ("Mobiel nummer", "mobielnummer")],
)
def test_header_names_are_compared_without_case_spaces_or_punctuation(name: str, key: str) -> None:
    assert header_key(name) == key


@pytest.mark.parametrize(
    ("cell", "looks"),
    [
        ("0612345678", True),
        ("+31 (0)6-1234 5678", True),
        ("06/12.34.56.78", True),
        ("123456", True),
        ("12345", False),
        ("1234567890123456", False),
        ("telefoon", False),
        ("06-1234abc", False),
        ("", False),
    ],
)
def test_a_cell_looks_like_a_number_with_6_to_15_digits(cell: str, looks: bool) -> None:
    assert looks_like_number(cell) is looks


def test_a_first_line_with_a_number_like_cell_is_data() -> None:
    assert is_header(["naam", "telefoon"])
    assert not is_header(["Jansen", "06 1234 5678"])
    assert not is_header(["123456", "x"])  # looks like a number, even if not a valid one


def layout_of(text: str, *wanted: str) -> tuple[list[str], bool, tuple[int, ...], str]:
    layout = inspect_csv(io.BytesIO(text.encode()), wanted)
    return layout.column_names, layout.has_header, layout.columns, layout.delimiter


@pytest.mark.parametrize(
    ("text", "names", "columns"),
    [
        ("naam,MSISDN\nA,x\n", ["MSISDN"], (1,)),
        ("id, Nummer ,phone\n1,x,y\n", [" Nummer ", "phone"], (1, 2)),
        ("naam,contact\nA,0612345678\nB,0687654321\n", ["contact"], (1,)),
        ("naam,telnr,contact\nA,x,0612345678\n", ["telnr", "contact"], (1, 2)),
        ("naam\nA,0612345678\n", ["#2"], (1,)),
    ],
)
def test_number_columns_are_named_ones_and_detected_ones(
    text: str, names: list[str], columns: tuple[int, ...]
) -> None:
    found_names, has_header, found_columns, _ = layout_of(text)
    assert (found_names, has_header, found_columns) == (names, True, columns)


def test_content_needs_80_percent_valid_numbers() -> None:
    four_of_five = "naam,contact\n" + "A,0612345678\n" * 4 + "B,12\n"
    three_of_five = "naam,contact\n" + "A,0612345678\n" * 3 + "B,12\nC,13\n"
    assert layout_of(four_of_five)[2] == (1,)
    with pytest.raises(NumberColumnNotFound) as caught:
        layout_of(three_of_five)
    assert caught.value.headers == ["naam", "contact"]


def test_empty_cells_do_not_count_against_a_column() -> None:
    assert layout_of("naam,contact\nA,\nB,\nC,0612345678\n")[2] == (1,)


def test_only_the_first_1000_non_empty_cells_are_sampled() -> None:
    text = "naam,contact\n" + "A,0612345678\n" * 1000 + "B,onbekend\n" * 5000
    assert layout_of(text)[2] == (1,)


def test_a_headerless_file_names_its_columns_by_position() -> None:
    names, has_header, columns, delimiter = layout_of("Jansen;0612345678\nBakker;0687654321\n")
    assert (names, has_header, columns, delimiter) == (["#2"], False, (1,), ";")
    assert layout_of("Jansen;0612345678\n", "#2")[2] == (1,)


def test_named_columns_match_exactly_or_by_key() -> None:
    assert named_columns(["naam", "Tel.nr", "gsm"], ["TEL.NR"]) == (1,)
    assert named_columns(["naam", "Tel.nr", "gsm"], ["telnr", "gsm", ""]) == (1, 2)
    with pytest.raises(InputError) as caught:
        named_columns(["a"], ["phone"])
    assert caught.value.code == "unknown_column"


@pytest.mark.parametrize(
    ("lines", "delimiter"),
    [
        (["naam,telefoon\n"], ","),
        (["naam;telefoon\n"], ";"),
        (["0612345678\n"], ","),
        (["Jansen, P., jr;0612345678\n", "de Vries;0687654321\n"], ";"),
        (['"a;b;c",0612345678\n', "d,0687654321\n"], ","),
        (["naam;tel\n", "A;0612345678;extra\n"], ";"),
    ],
)
def test_the_delimiter_is_the_one_that_splits_the_first_lines_evenly(
    lines: list[str], delimiter: str
) -> None:
    assert detect_delimiter(lines) == delimiter


def test_a_blank_first_line_is_malformed() -> None:
    with pytest.raises(MalformedCsv):
        inspect_csv(io.BytesIO(b"\n0612345678\n"))


@given(st.text(alphabet=" -./()", max_size=4), st.integers(min_value=6, max_value=15))
def test_decoration_never_hides_a_number(decor: str, digits: int) -> None:
    cell = decor + "1" * digits + decor
    assert looks_like_number(cell)


def test_a_delimiter_that_leaves_a_quote_open_loses_the_tie() -> None:
    """``;",\\n"`` is one record of two cells with ``;``; with ``,`` its quote never closes."""
    assert detect_delimiter([';",\n', '"\n']) == ";"


def test_a_tie_between_delimiters_goes_to_the_one_that_reads_numbers() -> None:
    # ',;0612345670': both read one record of two cells; only ';' leaves a number whole.
    assert detect_delimiter([",;0612345670\n", ",;0612345670\n"]) == ";"
    assert detect_delimiter(["Jansen;06,12\n"]) == ","


def _every_cell_read(sample: list[list[str]]) -> list[int]:
    """content_columns as specified: every one of a column's first 1,000 non-empty cells read."""
    seen: dict[int, int] = {}
    valid: dict[int, int] = {}
    for cells in sample:
        for index, cell in enumerate(cells):
            if not cell.strip() or seen.get(index, 0) >= SAMPLE_CELLS:
                continue
            seen[index] = seen.get(index, 0) + 1
            valid[index] = valid.get(index, 0) + (normalize(cell) is not None)
    return sorted(i for i, n in seen.items() if valid[i] >= VALID_SHARE * n)


@settings(max_examples=100)
@given(
    rows=st.sampled_from([1, 5, 250, 999, 1000, 1001, 1100]),
    invalid=st.integers(0, 260),
    seed=st.randoms(use_true_random=False),
)
def test_a_column_ruled_out_early_gets_the_answer_of_reading_every_cell(
    rows: int, invalid: int, seed: random.Random
) -> None:
    wrong = set(seed.sample(range(rows), min(invalid, rows)))
    cells = ["Klant 7" if i in wrong else "0612345678" for i in range(rows)]
    sample = [[cell, seed.choice(["12", "0201234567", ""])] for cell in cells]
    assert content_columns(sample) == _every_cell_read(sample)
