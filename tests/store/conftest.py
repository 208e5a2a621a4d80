from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ivr.clock import VirtualClock
from ivr.domain import CallStart, OptOutKind, OptOutRequest, OptOutSource
from ivr.store import Store

NUMBER = "+31612345678"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ivr.sqlite3"


@pytest.fixture
async def store(db_url: str, clock: VirtualClock) -> AsyncIterator[Store]:
    """A store on each backend (SQLite and PostgreSQL)."""
    opened = await Store.open(db_url, clock)
    yield opened
    await opened.close()


@pytest.fixture
async def sqlite_store(db_path: Path, clock: VirtualClock) -> AsyncIterator[Store]:
    """A store on SQLite only, for what only SQLite has (pragmas, its online backup)."""
    opened = await Store.open(db_path, clock)
    yield opened
    await opened.close()


def ivr_request(
    call_id: str, kind: OptOutKind = OptOutKind.RECHT_VAN_VERZET, **changes: Any
) -> OptOutRequest:
    fields: dict[str, Any] = {
        "number": NUMBER,
        "advertiser": "acme",
        "kind": kind,
        "source": OptOutSource.IVR,
        "created_by": "ivr",
        "call_id": call_id,
    }
    if kind is OptOutKind.BEL_ME_NIET:
        fields.update(scope="all", charities=True)
    fields.update(changes)
    return OptOutRequest(**fields)


def agent_request(**changes: Any) -> OptOutRequest:
    fields: dict[str, Any] = {
        "number": NUMBER,
        "advertiser": "acme",
        "kind": OptOutKind.RECHT_VAN_VERZET,
        "source": OptOutSource.AGENT,
        "created_by": "agent:007",
        "agent": "007",
    }
    fields.update(changes)
    return OptOutRequest(**fields)


def new_call(clock: VirtualClock, **changes: Any) -> CallStart:
    fields: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "channel_id": f"chan-{uuid.uuid4().hex[:8]}",
        "advertiser": "acme",
        "started_at": clock.now(),
        "profile": "nl-ctm2012",
    }
    fields.update(changes)
    return CallStart(**fields)
