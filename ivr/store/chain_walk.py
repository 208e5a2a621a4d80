"""Walking a stored hash chain from its seed and naming what does not fit (pure).

A row fits at position ``k`` when ``H(prev + "\\n" + canonical(row at k)) == row.hash``.
The walk takes, at each position, the row stored there when it fits; else the row
that fits there although stored elsewhere (``reordered``); else it decides between
a row changed in place (``altered``: the next row still chains from its hash), a
gap (``missing``) and rows that fit nowhere (``inserted``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ivr.store.chain import link

ALTERED = "altered"
MISSING = "missing"
INSERTED = "inserted"
REORDERED = "reordered"
UNSEALED = "unsealed"
LEGACY = "legacy"
MISMATCHES = frozenset({ALTERED, MISSING, INSERTED, REORDERED})


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    table: str
    id: str
    detail: str = ""

    @property
    def mismatch(self) -> bool:
        return self.kind in MISMATCHES

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "table": self.table, "id": self.id, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One stored row of a chain: its id, its stored position, its hash, and its
    canonical text as it would read at position ``k``."""

    id: str
    pos: int
    hash: str | None
    canonical: Callable[[int], str]


@dataclass(slots=True)
class Walk:
    findings: list[Finding] = field(default_factory=list)
    hashes: list[str | None] = field(default_factory=list)
    """The hash at each position 1..n of the chain as walked (None after a gap)."""
    ids: list[str] = field(default_factory=list)
    first_break: int | None = None
    """The first position whose row is missing or does not match: from there on the stored
    hashes are not proven by the chain."""

    def broken_at(self, position: int) -> None:
        if self.first_break is None or position < self.first_break:
            self.first_break = position

    def proven_hash(self, position: int) -> str | None:
        """The chain's hash after ``position`` rows, if proven from the seed."""
        if position > len(self.hashes) or (
            self.first_break is not None and position >= self.first_break
        ):
            return None
        return self.hashes[position - 1]


def walk_chain(
    seed: str,
    rows: Sequence[ChainRow],
    table: str,
    unit: str = "seq",
    sealed_at: Callable[[str], bool] | None = None,
    prefix: str = "",
) -> Walk:
    """``sealed_at(hash)``: whether the chain was closed (sealed) after the row with that hash,
    so that rows that do not fit after it were added later (``inserted``); a missing row is
    named ``prefix`` + its position."""
    walk = Walk()
    unused = {row.pos: row for row in rows}
    prev: str | None = seed
    k = 1

    def fits(p: str | None, row: ChainRow, at: int) -> bool:
        return p is not None and row.hash is not None and link(p, row.canonical(at)) == row.hash

    def followed(row: ChainRow, at: int) -> bool:
        return any(fits(row.hash, other, at + 1) for other in unused.values() if other is not row)

    def take(row: ChainRow, hash_: str | None) -> None:
        del unused[row.pos]
        walk.hashes.append(hash_)
        walk.ids.append(row.id)

    while unused:
        here = unused.get(k)
        last = here is not None and not any(pos > k for pos in unused)
        if here is not None and (
            fits(prev, here, k) or (prev is None and (last or followed(here, k)))
        ):
            take(here, here.hash)
            prev = here.hash
            k += 1
            continue
        moved = next(
            (row for row in unused.values() if row is not here and fits(prev, row, k)), None
        )
        if moved is not None:
            walk.findings.append(
                Finding(REORDERED, table, moved.id, f"stored at {unit} {moved.pos}, chained at {k}")
            )
            take(moved, moved.hash)
            prev = moved.hash
            k += 1
            continue
        if here is None:
            if any(pos > k for pos in unused):
                walk.findings.append(
                    Finding(MISSING, table, f"{prefix}{k}", f"{unit} {k}: a gap in the chain")
                )
                walk.broken_at(k)
                walk.hashes.append(None)
                walk.ids.append("")
                prev = None
                k += 1
                continue
            for row in sorted(unused.values(), key=lambda r: r.pos):
                walk.findings.append(
                    Finding(INSERTED, table, row.id, f"{unit} {row.pos} fits nowhere in the chain")
                )
            walk.broken_at(k)
            break
        if sealed_at is not None and prev is not None and sealed_at(prev):
            for row in sorted(unused.values(), key=lambda r: r.pos):
                walk.findings.append(
                    Finding(INSERTED, table, row.id, f"{unit} {row.pos} after the seal")
                )
            break
        walk.broken_at(k)
        trusted = followed(here, k) or last
        walk.findings.append(
            Finding(ALTERED, table, here.id, f"{unit} {here.pos} does not match its hash")
        )
        take(here, here.hash if trusted else None)
        prev = here.hash if trusted else None
        k += 1
    return walk
