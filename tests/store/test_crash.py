"""Killed at any moment, the store loses nothing it acknowledged."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from ivr.clock import VirtualClock
from ivr.store import Store
from tests import sql

from .test_consents import verify_chain

CHILD = Path(__file__).with_name("crash_child.py")


def run_and_kill(db_url: str, acknowledged: int) -> list[str]:
    """Start a child that records opt-outs; SIGKILL it once it acknowledged that many."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), db_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    printed: list[str] = []
    try:
        for line in child.stdout:
            printed.append(line.strip())
            if len(printed) >= acknowledged:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    printed.extend(line.strip() for line in child.stdout.read().splitlines())
    assert child.returncode == -signal.SIGKILL
    return [line for line in printed if line]


async def test_every_acknowledged_optout_survives_sigkill(
    db_url: str, backend: str, clock: VirtualClock
) -> None:
    acknowledged: list[str] = []
    for _ in range(3):
        acknowledged += run_and_kill(db_url, acknowledged=150)

    consents = [line.removeprefix("consent:") for line in acknowledged if "consent:" in line]
    optouts = [line for line in acknowledged if "consent:" not in line]
    store = await Store.open(db_url, clock)  # recovers from the WAL like `ivr serve` would
    try:
        missing = [i for i in optouts if await store.get_optout(i) is None]
        missing += [i for i in consents if await store.get_consent(i) is None]
        assert await verify_chain(store) >= len(consents)  # withdrawals included
    finally:
        await store.close()
    assert len(optouts) >= 300 and len(consents) >= 10
    assert missing == []
    if backend == "sqlite":
        assert sql.values(db_url, "PRAGMA integrity_check") == [("ok",)]
