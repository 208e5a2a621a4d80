"""Run by test_crash.py: records opt-outs for ever, printing each id once it is recorded."""

from __future__ import annotations

import asyncio
import sys
import uuid

from ivr.clock import LoopClock
from ivr.domain import OptOutKind, OptOutRequest, OptOutSource
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


async def main(path: str) -> None:
    configure_logging("json")  # logs to stderr: stdout carries only the ids
    store = await Store.open(path, LoopClock())
    await asyncio.gather(*(caller(store) for _ in range(20)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
