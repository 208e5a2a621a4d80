"""The list a scrub reads once answers every number exactly as a look-up of that number
would: the same rows (the one definition) through the same rules, whatever the kinds,
scopes, charities answers, ages and revocations."""

from __future__ import annotations

import asyncio
import gc
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.clock import VirtualClock
from ivr.domain import OptOut, OptOutKind, OptOutRequest, OptOutSource, Scope
from ivr.rules.suppression import is_suppressed, suppression_reasons
from ivr.store import Store
from ivr.suppression_list import SuppressionList, Verdict, load_suppression_list

NUMBERS = ["+31612345678", "+31687654321", "+31201234567"]
ADVERTISERS = ["acme", "globex"]
CATEGORIES = [None, "goede-doelen", "energie", "loterijen"]
DAY = 24 * 3600


@dataclass(frozen=True)
class Record:
    number: int
    advertiser: int
    kind: OptOutKind
    scope: Scope | None
    charities: bool | None
    days_later: int


@dataclass(frozen=True)
class Revoke:
    target: int


scopes = st.sampled_from(["all", ("energie",), ("goede-doelen", "loterijen")])
records = st.one_of(
    st.builds(
        Record,
        st.integers(0, len(NUMBERS) - 1),
        st.integers(0, len(ADVERTISERS) - 1),
        st.sampled_from([OptOutKind.RECHT_VAN_VERZET, OptOutKind.DO_NOT_CALL]),
        st.none(),
        st.none(),
        st.integers(0, 30),
    ),
    st.builds(
        Record,
        st.integers(0, len(NUMBERS) - 1),
        st.integers(0, len(ADVERTISERS) - 1),
        st.just(OptOutKind.BEL_ME_NIET),
        scopes,
        st.sampled_from([True, False, None]),
        st.integers(0, 30),
    ),
)
plans = st.lists(st.one_of(records, st.builds(Revoke, st.integers(0, 20))), max_size=12)


async def play(path: Path, plan: list[Record | Revoke]) -> None:
    clock = VirtualClock()
    store = await Store.open(path, clock)
    try:
        written: list[OptOut] = []
        for step in plan:
            if isinstance(step, Record):
                await clock.advance(step.days_later * DAY)
                request = OptOutRequest(
                    number=NUMBERS[step.number],
                    advertiser=ADVERTISERS[step.advertiser],
                    kind=step.kind,
                    source=OptOutSource.API,
                    created_by="api",
                    scope=step.scope,
                    charities=step.charities if step.scope == "all" else None,
                )
                written.append(await store.record_optout(request))
            elif written:
                target = written[step.target % len(written)]
                if target.kind is not OptOutKind.REVOCATION and not any(
                    r.revokes == target.id for r in written
                ):
                    written.append(
                        await store.revoke(target.id, "asked", "consumer", "api", OptOutSource.API)
                    )
        now = clock.now()
        for advertiser in ADVERTISERS:
            for category in CATEGORIES:
                listed = await load_suppression_list(store, advertiser, category, now)
                flags = listed.suppressed([*NUMBERS, None])
                assert flags[-1] is False
                for number, flag in zip(NUMBERS, flags, strict=False):
                    rows = await store.active_optouts(number, advertiser)
                    expected = suppression_reasons(rows, advertiser, category, now)
                    assert list(listed.reasons(number)) == expected, (advertiser, category, number)
                    assert flag == is_suppressed(expected), (advertiser, category, number)
    finally:
        await store.close()


@settings(max_examples=60)
@given(plan=plans)
def test_the_preloaded_list_decides_every_number_as_a_look_up(
    plan: list[Record | Revoke],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(play(Path(folder) / "ivr.sqlite3", plan))


def test_a_list_goes_as_soon_as_it_is_dropped() -> None:
    """No reference cycle: a scrub's list (a million numbers) is freed when the scrub is
    done, not whenever the garbage collector next looks."""
    listed = SuppressionList({"+31612345678"}, Verdict(True, (), ()), {})
    assert listed.verdict("+31612345678") is not None
    gone = weakref.ref(listed)
    gc.disable()
    try:
        del listed
        assert gone() is None
    finally:
        gc.enable()
