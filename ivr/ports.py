"""A free TCP port on loopback for a server that another process will start.

The port is handed over before the server binds it, so something else could take it
in between. Ports the kernel picks itself (``bind(0)``) come from the same range it
gives every outgoing connection a local port from, and a machine running many
connections (benchmarks, a full test run) takes them quickly. So the port is drawn
below that range, where no outgoing connection lands, and checked free.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 10_000
TRIES = 50


def _ephemeral_start() -> int:
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    start = _ephemeral_start()
    if start > LOWEST:
        for _ in range(TRIES):
            port = random.randrange(LOWEST, start)
            if _bindable(port):
                return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
