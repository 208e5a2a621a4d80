"""An ``ivr consent import`` killed half-way leaves whole steps: the file's first consents,
a whole number of steps of them, a chain that verifies, and a second run that adds
exactly the rest (its steps commit without a sync of their own but the last)."""

from __future__ import annotations

import json
from pathlib import Path

from ivr.store.store import IMPORT_CHUNK
from tests import sql
from tests.test_import_crash import ivr, killed_after_first_rows

CONSENTS = 12 * IMPORT_CHUNK


def stored(db: Path) -> list[str]:
    return [n for (n,) in sql.values(str(db), "SELECT number FROM consents ORDER BY chain_seq")]


def test_a_consent_import_killed_half_way_leaves_whole_steps_and_a_chain_that_verifies(
    tmp_path: Path,
) -> None:
    numbers = [f"+3161{n:07d}" for n in range(0, 3 * CONSENTS, 3)]
    listed = tmp_path / "consents.csv"
    rows = (f"{number},2026-01-02T10:00:00Z,form-{i}" for i, number in enumerate(numbers))
    listed.write_text("number,obtained_at,proof_ref\n" + "\n".join(rows) + "\n")
    db = tmp_path / "ivr.sqlite3"
    assert ivr(tmp_path, "db", "migrate").returncode == 0
    command = ["consent", "import", str(listed), "--advertiser", "acme", "--channel", "web"]
    killed_after_first_rows(tmp_path, command, "consents")

    left = stored(db)
    assert 0 < len(left) < CONSENTS
    assert len(left) % IMPORT_CHUNK == 0  # whole steps
    assert left == numbers[: len(left)]  # each the file's next rows, in order
    assert sql.values(str(db), "PRAGMA integrity_check") == [("ok",)]
    verified = ivr(tmp_path, "evidence", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout.splitlines()[-1])["ok"] is True

    again = ivr(tmp_path, *command)
    assert again.returncode == 0, again.stderr
    assert f"imported {CONSENTS - len(left)} consents; {len(left)} already present" in again.stderr
    assert stored(db) == numbers
    assert ivr(tmp_path, "evidence", "verify").returncode == 0
