"""Which columns of a call file hold phone numbers (docs/design.md §7, §14.17, §15.38).

Unless the caller names them, the number columns are the union of the columns
whose header reads like a number column and those whose content is mostly
valid numbers; a file without any is refused, never scrubbed by a guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from ivr.rules.numbers import DEFAULT_REGION, normalize
from ivr.suppressions import InputError

NUMBER_HEADERS = frozenset(
    {
        "number",
        "nummer",
        "telefoon",
        "telefoonnummer",
        "tel",
        "telnr",
        "telefoonnr",
        "phone",
        "phonenumber",
        "mobile",
        "mobiel",
        "mobielnummer",
        "gsm",
        "msisdn",
    }
)
"""Header names of number columns, as :func:`header_key` gives them."""

SAMPLE_CELLS = 1000
"""Content detection reads up to this many non-empty cells of each column."""
SAMPLE_RECORDS_MAX = 20_000
"""…from at most this many records (a sparse column is judged on what they hold)."""
VALID_SHARE = 0.8

_NOT_A_KEY = re.compile(r"[\W_]+")
_NUMBER_DECOR = str.maketrans("", "", " -.()/")
_NUMBER_LIKE = re.compile(r"\+?\d{6,15}")


class NumberColumnNotFound(Exception):
    """No column of the file holds phone numbers: the file cannot be scrubbed."""

    def __init__(self, headers: Sequence[str]) -> None:
        seen = ", ".join(repr(h) for h in headers) or "none"
        super().__init__(f"no number column found (headers seen: {seen})")
        self.headers = list(headers)


def header_key(name: str) -> str:
    """A header without case, spaces or punctuation: ``Tel.nr`` → ``telnr``."""
    return _NOT_A_KEY.sub("", name.casefold())


def looks_like_number(cell: str) -> bool:
    """An optional ``+`` and 6–15 digits once spaces, ``-``, ``.``, ``(``, ``)``, ``/`` go."""
    return _NUMBER_LIKE.fullmatch(cell.strip().translate(_NUMBER_DECOR)) is not None


def is_header(first: Sequence[str]) -> bool:
    """The first line is a header only if none of its cells looks like a number."""
    return not any(looks_like_number(cell) for cell in first)


def positional_names(width: int) -> list[str]:
    """The names of a headerless file's columns: ``#1``, ``#2``…"""
    return [f"#{index}" for index in range(1, width + 1)]


def named_columns(names: Sequence[str], wanted: Iterable[str]) -> tuple[int, ...]:
    """The columns the caller named (exactly, else as :func:`header_key` reads them)."""
    found: dict[int, None] = {}
    for raw in wanted:
        name = raw.strip()
        if not name:
            continue
        exact = [i for i, cell in enumerate(names) if cell.strip().casefold() == name.casefold()]
        loose = [i for i, cell in enumerate(names) if header_key(cell) == header_key(name)]
        matches = exact or (loose if header_key(name) else [])
        if not matches:
            raise InputError("unknown_column", f"the file has no column {raw!r}")
        found.update(dict.fromkeys(matches))
    return tuple(sorted(found))


def detect_columns(
    header: Sequence[str] | None, sample: Iterable[Sequence[str]], region: str = DEFAULT_REGION
) -> tuple[int, ...]:
    """Header-named columns and content-detected ones (``header`` is None: headerless)."""
    named = {i for i, cell in enumerate(header or ()) if header_key(cell) in NUMBER_HEADERS}
    return tuple(sorted(named | set(content_columns(sample, region))))


_INVALID_ENOUGH = SAMPLE_CELLS - math.ceil(VALID_SHARE * SAMPLE_CELLS)
"""More invalid cells than this and a column is not a number column, however many of its
sampled cells are left: they are no more than :data:`SAMPLE_CELLS`."""


def content_columns(sample: Iterable[Sequence[str]], region: str = DEFAULT_REGION) -> list[int]:
    """Columns in which at least 80% of the first 1,000 non-empty cells are valid numbers.

    A column already ruled out is not read further (a name or id column would otherwise
    cost a full phone number parse a cell)."""
    seen: list[int] = []
    valid: list[int] = []
    for cells in sample:
        for index, cell in enumerate(cells):
            if index >= len(seen):
                seen.extend([0] * (index + 1 - len(seen)))
                valid.extend([0] * (index + 1 - len(valid)))
            if seen[index] >= SAMPLE_CELLS or not cell.strip():
                continue
            seen[index] += 1
            if seen[index] - 1 - valid[index] <= _INVALID_ENOUGH:
                valid[index] += normalize(cell, region) is not None
    return [i for i, n in enumerate(seen) if n and valid[i] >= VALID_SHARE * n]
