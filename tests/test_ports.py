import socket
from pathlib import Path

import pytest

from ivr import ports


def test_a_free_port_lies_below_the_kernels_range_for_outgoing_connections() -> None:
    start = ports._ephemeral_start()
    for _ in range(20):
        port = ports.free_port()
        assert ports.LOWEST <= port < start
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))


def test_a_port_in_use_is_never_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        used = int(taken.getsockname()[1])
        monkeypatch.setattr(ports, "_ephemeral_start", lambda: ports.LOWEST + 1)
        monkeypatch.setattr("ivr.ports.random.randrange", lambda _a, _b: used)
        port = ports.free_port()
    assert port != used


def test_without_the_kernels_range_it_still_finds_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ports, "EPHEMERAL_RANGE", tmp_path / "missing")
    assert ports._ephemeral_start() == 32_768
    with socket.socket() as server:
        server.bind(("127.0.0.1", ports.free_port()))
