"""Run by test_crash.py: records opt-outs and consents for ever, printing each id once it
is recorded (a consent's as ``consent:<id>``). Every recht van verzet withdraws the
consents active for its number in the same transaction."""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime

from ivr.clock import LoopClock
from ivr.domain import ConsentChannel, ConsentRequest, OptOutKind, OptOutRequest, OptOutSource
from ivr.logs import configure_logging
from ivr.store import Store


async def caller(store: Store) -> None:
    while True:
        row = await store.record_optout(
            OptOutRequest(
                number="+31612345678",
                advertiser="acme",
                kind=OptOutKind.RECHT_VAN_VERZET,
                source=OptOutSource.IVR,
                created_by="ivr",
                call_id=str(uuid.uuid4()),
            )
        )
        print(row.id, flush=True)


async def consenter(store: Store) -> None:
    while True:
        row = await store.record_consent(
            ConsentRequest(
                number="+31612345678",
                advertiser="acme",
                scope="all",
                channel=ConsentChannel.WEB,
                obtained_at=datetime.now(UTC),
                created_by="api",
                proof_ref=str(uuid.uuid4()),
            )
        )
        print(f"consent:{row.id}", flush=True)


async def main(path: str) -> None:
    configure_logging("json")  # logs to stderr: stdout carries only the ids
    store = await Store.open(path, LoopClock())
    await asyncio.gather(*(caller(store) for _ in range(20)), *(consenter(store) for _ in range(5)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
