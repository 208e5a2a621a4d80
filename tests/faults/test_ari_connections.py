"""The ARI client's connection pool fits inside Asterisk's HTTP session limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.ari.http import MAX_CONNECTIONS

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("conf", ["dialplan/http.conf", "docker/asterisk/http.conf"])
def test_shipped_http_conf_takes_every_connection_the_client_may_open(conf: str) -> None:
    found = re.search(r"^sessionlimit\s*=\s*(\d+)\s*$", (REPO / conf).read_text(), re.MULTILINE)
    assert found is not None, f"{conf} leaves Asterisk's default of 100 HTTP sessions"
    # the REST pool, plus the events WebSocket, plus room for an operator's curl
    assert int(found.group(1)) > MAX_CONNECTIONS + 10
