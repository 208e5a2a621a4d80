"""The simulator's listen queue holds a burst of connections (issue 14)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from yarl import URL

from ivr.simulator.server import LISTEN_BACKLOG
from tests.simulator.conftest import Rig

SOMAXCONN = Path("/proc/sys/net/core/somaxconn")


def listen_queue_limit(port: int) -> int:
    """The backlog the kernel gave the listening socket (``ss``'s Send-Q of a LISTEN row)."""
    out = subprocess.run(
        ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return max(int(line.split()[2]) for line in out.splitlines())


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
async def test_the_simulator_listens_with_a_backlog_of_at_least_1024(rig: Rig) -> None:
    port = URL(rig.base).port
    assert port is not None
    somaxconn = int(SOMAXCONN.read_text())  # noqa: ASYNC240 - a /proc file, read at once
    assert LISTEN_BACKLOG >= 1024
    assert listen_queue_limit(port) == min(LISTEN_BACKLOG, somaxconn)
