"""Loading a list: plain values in short transactions, chained exactly as one row at a time."""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from ivr.domain import ConsentKind, OptOutKind, OptOutRequest, OptOutSource
from ivr.store import Store, chain
from ivr.store import store as store_module
from ivr.store.db import Db
from ivr.store.ids import time_ordered_ids
from tests.store.test_consents import consent

ImportProgress = Callable[[int], None]

NUMBERS = [f"+316{n:08d}" for n in range(10_000_000, 10_000_250)]


def template(**changes: Any) -> OptOutRequest:
    fields: dict[str, Any] = {
        "number": NUMBERS[0],
        "advertiser": "acme",
        "kind": OptOutKind.BEL_ME_NIET,
        "source": OptOutSource.IMPORT,
        "created_by": "import:lijst é.csv",
        "scope": ("energie", "loterijen"),
    }
    fields.update(changes)
    return OptOutRequest(**fields)


def stored(path: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM optouts ORDER BY chain_seq").fetchall()


async def test_an_import_is_chained_as_rows_recorded_one_by_one(
    sqlite_store: Store, db_path: Path
) -> None:
    store = sqlite_store
    await store.record_optout(template(kind=OptOutKind.RECHT_VAN_VERZET, scope=None))
    assert await store.import_numbers(template(), NUMBERS) == 250
    await store.record_optout(template(kind=OptOutKind.RECHT_VAN_VERZET, scope=None))
    report = await store.verify_evidence()
    assert report.summary()["ok"], report.findings
    rows = stored(db_path)
    assert [row["number"] for row in rows[1:-1]] == sorted(NUMBERS)
    ids = [row["id"] for row in rows[1:-1]]
    assert len(set(ids)) == 250
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert {
        (row["kind"], row["scope"], row["source"], row["created_by"]) for row in rows[1:-1]
    } == {("bel_me_niet", '["energie", "loterijen"]', "import", "import:lijst é.csv")}


async def test_an_import_commits_at_most_max_rows_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ivr.store.store.IMPORT_MAX_ROWS", 100)
    before = store.commits
    assert await store.import_numbers(template(), NUMBERS) == 250
    assert store.commits - before == 3


async def test_an_import_commits_when_its_time_is_up(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sqlite_store
    monkeypatch.setattr("ivr.store.store.IMPORT_MAX_S", 0)
    monkeypatch.setattr("ivr.store.writes._IMPORT_STEP", 50)
    before = store.commits
    seen: list[int] = []
    assert await store.import_numbers(template(), NUMBERS, seen.append) == 250
    assert store.commits - before == 5
    assert seen == [50, 100, 150, 200, 250]
    report = await store.verify_evidence()
    assert report.summary()["ok"], report.findings


async def test_an_imported_objection_withdraws_the_numbers_consents(store: Store) -> None:
    given = await store.record_consent(consent(number=NUMBERS[3]))
    untouched = await store.record_consent(consent(number=NUMBERS[4], advertiser="globex"))
    objection = template(kind=OptOutKind.RECHT_VAN_VERZET, scope=None)
    assert await store.import_numbers(objection, NUMBERS[:10]) == 10
    rows = await store.consents_of(NUMBERS[3], "acme")
    assert [(r.kind, r.withdraws) for r in rows] == [
        (ConsentKind.CONSENT, None),
        (ConsentKind.WITHDRAWAL, given.id),
    ]
    assert rows[1].reason is not None and rows[1].reason.startswith("recht_van_verzet:")
    assert await store.consents_of(NUMBERS[4], "globex") == [untouched]


async def test_numbers_with_the_same_entry_in_force_are_found(store: Store) -> None:
    wanted = template(scope=("loterijen", "energie"))
    await store.import_numbers(template(), NUMBERS[:4])
    await store.import_numbers(template(scope="all", charities=False), NUMBERS[4:6])
    await store.import_numbers(template(advertiser="globex"), NUMBERS[6:8])
    revoked = await store.record_optout(template(number=NUMBERS[8]))
    await store.revoke(revoked.id, "asked", "consumer", "api", OptOutSource.API)
    asked = NUMBERS[2:10]
    assert await store.numbers_with_entry(wanted, asked) == {NUMBERS[2], NUMBERS[3]}


async def test_an_import_refuses_a_number_that_is_not_plain_text(sqlite_store: Store) -> None:
    with pytest.raises(ValueError, match="plain text"):
        await sqlite_store.import_numbers(template(), ['+31612345678"'])
    assert await sqlite_store.import_numbers(template(), NUMBERS[:3]) == 3
    report = await sqlite_store.verify_evidence()
    assert report.summary()["ok"], report.findings


async def test_only_the_steps_of_the_last_rows_of_an_import_sync_to_disk(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step commits without a sync but one that may be the last (fewer than
    ``IMPORT_MAX_ROWS`` numbers left), whose sync brings every step before it to disk: the
    count returned is durable."""
    monkeypatch.setattr(store_module, "IMPORT_MAX_ROWS", 40)

    async def load(progress: ImportProgress) -> int:
        return await sqlite_store.import_numbers(template(), NUMBERS[:130], progress)

    added, steps = await _steps_synced(sqlite_store, monkeypatch, load)
    assert added == 130
    assert steps == [(0, False), (40, False), (80, False), (120, True)]


def test_time_ordered_ids_are_canonical_uuid7_text_one_apart() -> None:
    ids = list(islice(time_ordered_ids(now_ms=1_764_540_000_123), 1000))
    values = [uuid.UUID(i) for i in ids]
    assert [str(v) for v in values] == ids
    assert {(v.version, v.variant) for v in values} == {(7, uuid.RFC_4122)}
    assert {v.int >> 80 for v in values} == {1_764_540_000_123}
    assert [b.int - a.int for a, b in itertools.pairwise(values)] == [1] * 999


@pytest.mark.parametrize("odd", ["+31612345678", 'a"b', "é", "\\", "\x01", ""])
def test_import_hashes_are_the_links_of_rows_written_one_by_one(odd: str) -> None:
    row = dict.fromkeys(chain.OPTOUTS_V1)
    row.update(
        advertiser="acme",
        kind="bel_me_niet",
        scope='["energie"]',
        charities=0,
        source="import",
        created_at="2026-11-30T22:00:00.000000+00:00",
        created_by="import:lijst é.csv",
    )
    links = chain.ImportLinks(row)
    ids = [str(uuid.uuid4()) for _ in range(4)] + [odd]
    numbers = [*NUMBERS[:3], odd, NUMBERS[3]]
    prev = chain.seed(chain.OPTOUTS_SEED)
    expected = []
    for optout_id, number in zip(ids, numbers, strict=True):
        prev = chain.optout_hash(prev, {**row, "id": optout_id, "number": number})
        expected.append(prev)
    assert links.hashes(chain.seed(chain.OPTOUTS_SEED), ids, numbers) == expected


async def _steps_synced(
    store: Store, monkeypatch: pytest.MonkeyPatch, load: Callable[[ImportProgress], Awaitable[int]]
) -> tuple[int, list[tuple[int, bool]]]:
    """What ``load`` returns, and (rows in before the step, whether the step's commit
    synced) of each of its steps, steps of 40 rows."""
    monkeypatch.setattr(store_module, "IMPORT_CHUNK", 40)
    writer = store._writer.db
    assert isinstance(writer, Db)
    steps: list[tuple[int, bool]] = []
    done_before = [0]

    def progress(done: int) -> None:
        steps.append((done_before[0], writer.durable_commits))
        done_before[0] = done

    added = await load(progress)
    assert int(await writer.scalar("PRAGMA synchronous")) == 2  # FULL
    return added, steps


@pytest.mark.parametrize("rows", ["opt-outs", "consents"])
async def test_only_the_last_step_of_an_import_syncs_to_disk(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, rows: str
) -> None:
    async def load(progress: ImportProgress) -> int:
        if rows == "consents":
            consents = (consent(number=number) for number in NUMBERS[:130])
            return await sqlite_store.import_consents(consents, progress)
        optouts = [template(number=number) for number in NUMBERS[:130]]
        return await sqlite_store.import_optouts(optouts, progress)

    added, steps = await _steps_synced(sqlite_store, monkeypatch, load)
    assert added == 130
    assert steps == [(0, False), (40, False), (80, False), (120, True)]
    report = await sqlite_store.verify_evidence()
    assert report.summary()["ok"], report.findings


async def test_an_import_of_whole_steps_syncs_its_last_step_alone(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = [template(number=number) for number in NUMBERS[:80]]

    async def load(progress: ImportProgress) -> int:
        return await sqlite_store.import_optouts(requests, progress)

    assert await _steps_synced(sqlite_store, monkeypatch, load) == (80, [(0, False), (40, True)])
