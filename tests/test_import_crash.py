"""An ``ivr import`` killed half-way leaves whole steps: a prefix of its sorted numbers,
a chain that verifies, and a second run that adds exactly the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests import sql

NUMBERS = 200_000
DEADLINE_S = 120


def environment(folder: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    (folder / "ivr.toml").write_text('[advertisers.acme]\nname = "Acme"\n')
    clean.update(
        IVR_CONFIG=str(folder / "ivr.toml"),
        IVR_DB=str(folder / "ivr.sqlite3"),
        IVR_LOG_FORMAT="json",
    )
    return clean


def ivr(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ivr.cli", *args],
        env=environment(folder),
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
    )


def killed_after_first_rows(folder: Path, args: list[str], table: str) -> None:
    """Run ``ivr ARGS`` on ``folder``'s database and SIGKILL it once ``table`` has rows."""
    db = str(folder / "ivr.sqlite3")
    running = subprocess.Popen(
        [sys.executable, "-m", "ivr.cli", *args],
        env=environment(folder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + DEADLINE_S
        while sql.scalar(db, f"SELECT count(*) FROM {table}") == 0:
            assert running.poll() is None, "the command ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.002)
    finally:
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=30)
    assert running.returncode == -signal.SIGKILL


def stored(db: Path) -> list[str]:
    return [n for (n,) in sql.values(str(db), "SELECT number FROM optouts ORDER BY number")]


def test_an_import_killed_half_way_leaves_whole_steps_and_a_chain_that_verifies(
    tmp_path: Path,
) -> None:
    numbers = [f"+3161{n:07d}" for n in range(0, 3 * NUMBERS, 3)]
    listed = tmp_path / "list.csv"
    listed.write_text("telefoon\n" + "\n".join(reversed(numbers)) + "\n")
    db = tmp_path / "ivr.sqlite3"
    assert ivr(tmp_path, "db", "migrate").returncode == 0
    command = ["import", str(listed), "--advertiser", "acme", "--kind", "recht_van_verzet"]
    killed_after_first_rows(tmp_path, command, "optouts")

    left = stored(db)
    assert 0 < len(left) < NUMBERS
    assert left == numbers[: len(left)]  # whole steps, each the next numbers in order
    assert sql.values(str(db), "PRAGMA integrity_check") == [("ok",)]
    verified = ivr(tmp_path, "evidence", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    summary = json.loads(verified.stdout.splitlines()[-1])
    assert summary["ok"] is True

    again = ivr(tmp_path, *command)
    assert again.returncode == 0, again.stderr
    assert f"imported {NUMBERS - len(left)} opt-outs" in again.stderr
    assert stored(db) == numbers
    assert ivr(tmp_path, "evidence", "verify").returncode == 0
