"""The store's suppression list is docs/design.md 10.1's definition, now and at any past moment.

For advertiser A: every recht van verzet recorded for A, every Bel-me-niet
registration whoever recorded it, and the revocations of those. At a moment: only
rows created at or before it, an opt-out revoked only by a revocation made by then.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.clock import VirtualClock
from ivr.domain import OptOut, OptOutKind, OptOutRequest, OptOutSource
from ivr.store import Store

NUMBERS = ["+31612345678", "+31687654321"]
ADVERTISERS = ["acme", "globex", "initech"]


@dataclass(frozen=True)
class Record:
    number: int
    advertiser: int
    register: bool


@dataclass(frozen=True)
class Revoke:
    target: int


steps = st.lists(
    st.one_of(
        st.builds(
            Record,
            st.integers(0, len(NUMBERS) - 1),
            st.integers(0, len(ADVERTISERS) - 1),
            st.booleans(),
        ),
        st.builds(Revoke, st.integers(0, 20)),
    ),
    max_size=14,
)


def in_list(row: OptOut, advertiser: str, rows: dict[str, OptOut]) -> bool:
    """docs/design.md 10.1, written out row by row."""
    if row.kind is OptOutKind.REVOCATION:
        return in_list(rows[row.revokes or ""], advertiser, rows)
    return row.kind is OptOutKind.BEL_ME_NIET or row.advertiser == advertiser


def active_at(row: OptOut, at: datetime | None, rows: dict[str, OptOut]) -> bool:
    if row.kind is OptOutKind.REVOCATION or (at is not None and row.created_at > at):
        return False
    return not any(
        r.revokes == row.id and (at is None or r.created_at <= at) for r in rows.values()
    )


async def play(path: Path, plan: list[Record | Revoke]) -> None:
    clock = VirtualClock()
    store = await Store.open(path, clock)
    try:
        written: list[OptOut] = []
        for step in plan:
            await clock.advance(60)
            if isinstance(step, Record):
                kind = OptOutKind.BEL_ME_NIET if step.register else OptOutKind.RECHT_VAN_VERZET
                written.append(
                    await store.record_optout(
                        OptOutRequest(
                            number=NUMBERS[step.number],
                            advertiser=ADVERTISERS[step.advertiser],
                            kind=kind,
                            source=OptOutSource.API,
                            created_by="api",
                            scope="all" if step.register else None,
                            charities=True if step.register else None,
                        )
                    )
                )
            elif written:
                target = written[step.target % len(written)]
                if target.kind is OptOutKind.REVOCATION or any(
                    r.revokes == target.id for r in written
                ):
                    continue
                written.append(
                    await store.revoke(target.id, "asked", "consumer", "api", OptOutSource.API)
                )
        rows = {row.id: row for row in written}
        start = VirtualClock().now()
        moments: list[datetime | None] = [None]
        moments += [start + timedelta(seconds=30 + 60 * i) for i in range(len(plan) + 1)]
        for advertiser in ADVERTISERS:
            listed = [o.id async for o in store.iter_optouts(advertiser, include_revoked=True)]
            assert listed == [r.id for r in written if in_list(r, advertiser, rows)]
            current = [o.id async for o in store.iter_optouts(advertiser)]
            assert current == [
                r.id for r in written if in_list(r, advertiser, rows) and active_at(r, None, rows)
            ]
            for at in moments:
                for number in NUMBERS:
                    found = {o.id for o in await store.active_optouts(number, advertiser, at)}
                    assert found == {
                        r.id
                        for r in written
                        if r.number == number
                        and in_list(r, advertiser, rows)
                        and active_at(r, at, rows)
                    }, (advertiser, at, number)
    finally:
        await store.close()


@settings(max_examples=40)
@given(plan=steps)
def test_every_reader_gets_the_one_definition_now_and_at_any_moment(
    plan: list[Record | Revoke],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(play(Path(folder) / "ivr.sqlite3", plan))
