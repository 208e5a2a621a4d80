import asyncio

from ivr.clock import VirtualClock


async def test_advance_fires_timers_in_order() -> None:
    clock = VirtualClock()
    fired: list[tuple[str, float]] = []
    clock.call_later(2.0, lambda: fired.append(("b", clock.monotonic())))
    clock.call_later(1.0, lambda: fired.append(("a", clock.monotonic())))
    cancelled = clock.call_later(1.5, lambda: fired.append(("x", clock.monotonic())))
    cancelled.cancel()
    await clock.advance(5)
    assert fired == [("a", 1.0), ("b", 2.0)]
    assert clock.monotonic() == 5.0


async def test_sleep_and_wait_for_on_virtual_time() -> None:
    clock = VirtualClock()
    jumper = clock.start_autojump()
    try:
        await asyncio.wait_for(clock.sleep(600), 5)
        assert clock.monotonic() == 600
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(clock.wait_for(never, 30), 5)
        except TimeoutError:
            pass
        else:
            raise AssertionError("wait_for did not time out")
        assert clock.monotonic() == 630
    finally:
        jumper.cancel()


async def test_settle_waits_for_loopback_io() -> None:
    clock = VirtualClock()
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.readline()
        await clock.sleep(1)
        writer.write(data.upper())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"hello\n")

    async def read() -> None:
        received.append(await reader.readline())

    task = asyncio.create_task(read())
    await clock.run_until(lambda: bool(received), limit=10)
    assert received == [b"HELLO\n"]
    assert clock.monotonic() == 1.0
    await task
    writer.close()
    server.close()
