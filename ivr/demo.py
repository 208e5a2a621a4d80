"""``ivr demo``: the simulated Asterisk, the real service, and a handful of callers.

Everything runs on loopback in this process on the real clock: the simulator
on a free port, ``IvrService`` connected to it over ARI, the HTTP API on another
free port, and a database in a temporary folder (or ``--db``).  The callers
press early, as practised callers do, so the demo ends in well under a minute.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from aiohttp import web

from ivr.clock import LoopClock
from ivr.config import AdvertiserConfig, Settings
from ivr.flow.profile import DEFAULT_PROFILE, load_profile
from ivr.logs import mask_number
from ivr.ports import free_port
from ivr.prompts.manifest import wav_length_ms
from ivr.prompts.offered import load_offered
from ivr.service import IvrService
from ivr.simulator import Simulator, Step
from ivr.store import Store

DEADLINE_S = 120.0
_SOUND_PREFIX = re.compile(r"^sound:ivr/[^/]+/")


@dataclass(frozen=True)
class DemoCaller:
    title: str
    number: str
    args: tuple[str, ...]
    steps: tuple[Step, ...]
    variables: tuple[tuple[str, str], ...] = ()


def _press(prompt: str, keys: str, after_ms: int = 700) -> Step:
    return Step(on_prompt=prompt, after_ms=after_ms, press=keys)


def _answer(prompt: str, keys: str, marks: Mapping[str, int]) -> Step:
    """A caller who listens until the question is stated (its mark), then presses."""
    return _press(prompt, keys, marks.get(prompt, 400) + 300)


def demo_callers(marks: Mapping[str, int] | None = None) -> list[DemoCaller]:
    """The demo's callers; ``marks`` (prompt -> ms) say when each offer has been stated."""
    marks = marks or {}
    acme = ("advertiser=acme", "campaign=winter-2026", "agent=a7", "script=v3")
    wanted = {"energie", "telecom-computers"}
    category_keys = {
        cid: "1" if cid in wanted else "2" for cid in load_profile(DEFAULT_PROFILE).category_ids
    }
    return [
        DemoCaller(
            "recht van verzet",
            "0612345678",
            (*acme, "number=0612345678"),
            (_press("welcome", "1", 2000), _answer("offer-register", "2", marks)),
        ),
        DemoCaller(
            "presses 1 and 2 quickly (the 2 does not decline the register unheard)",
            "0611111111",
            (*acme, "number=0611111111"),
            (_press("welcome", "12", 2000), _answer("offer-register", "2", marks)),
        ),
        DemoCaller(
            "Bel-me-niet totaal, with charities",
            "0623456789",
            (*acme, "number=0623456789"),
            (
                _press("welcome", "2", 2000),
                _press("register-scope", "1"),
                _answer("charities", "1", marks),
                _answer("confirm-register", "1", marks),
                _answer("offer-rvv", "2", marks),
            ),
        ),
        DemoCaller(
            "Bel-me-niet deel: energie and telecom",
            "0634567890",
            (*acme, "number=0634567890"),
            (
                _press("welcome", "2", 2000),
                _press("register-scope", "2"),
                *(_press(f"category-{cid}", key, 400) for cid, key in category_keys.items()),
                _answer("confirm-register", "1", marks),
                _answer("offer-rvv", "2", marks),
            ),
        ),
        DemoCaller(
            "withheld number, keyed in",
            "anonymous",
            acme,
            (
                _press("welcome", "1", 2000),
                _press("enter-number", "0645678901#", 1000),
                _answer("confirm-number", "1", marks),
                _answer("offer-register", "2", marks),
            ),
        ),
        DemoCaller(
            "hangs up during the welcome",
            "0656789012",
            (*acme, "number=0656789012"),
            (Step(on_prompt="welcome", after_ms=2500, hangup=True),),
        ),
        DemoCaller(
            "hangs up during the menu",
            "0612121212",
            (*acme, "number=0612121212"),
            (Step(on_prompt="menu", after_ms=3000, hangup=True),),
        ),
        DemoCaller(
            "presses an invalid key first",
            "0667890123",
            (*acme, "number=0667890123"),
            (
                _press("welcome", "7", 2000),
                _press("invalid", "1", 600),
                _answer("offer-register", "2", marks),
            ),
        ),
        DemoCaller(
            "answering machine (AMDSTATUS=MACHINE)",
            "0687901234",
            (*acme, "number=0687901234"),
            (),
            (("AMDSTATUS", "MACHINE"),),
        ),
    ]


def _answer_after(prompts_dir: Path, speed: float) -> dict[str, int]:
    """When a listening caller presses in each must-hear prompt (ms from its start): past
    its mark; when prompts play faster than real time, past its end (Asterisk's
    timestamps then never reach a mark before the prompt ends)."""
    after: dict[str, int] = {"confirm-register": 400, "confirm-number": 400}
    marks = {
        n: max(f.marks.values(), default=0) for n, f in load_offered(prompts_dir, "nl").items()
    }
    for name, mark in {**after, **marks}.items():
        if speed > 1:
            mark = max(mark, wav_length_ms(prompts_dir / "nl" / f"{name}.wav") or 0)
        after[name] = mark
    return after


async def run_demo(db: Path | None, speed: float, out: TextIO, prompts_dir: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="ivr-demo-") as tmp:
        db_path = db or Path(tmp) / "demo.sqlite3"
        clock = LoopClock()
        simulator = Simulator(clock, prompts_dir=prompts_dir, speed=speed)
        async with simulator.serve("127.0.0.1", 0) as ari_url:
            settings = Settings(
                ari_url=ari_url,
                db=db_path,
                http_port=free_port(),
                prompts_dir=prompts_dir,
                advertisers={
                    "acme": AdvertiserConfig(name="Acme Energie", name_prompt="advertisers/acme")
                },
                shutdown_grace_s=5,
            )
            service = IvrService(settings, clock)
            await service.start()
            assert service.api is not None and service.store is not None
            runner = web.AppRunner(service.api, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", settings.http_port).start()
            try:
                if not await service.wait_connected(10):
                    raise RuntimeError("the service did not connect to the simulated Asterisk")
                print(
                    f"Simulated Asterisk on {ari_url}, ivr API on "
                    f"http://127.0.0.1:{settings.http_port}, database {db_path}\n",
                    file=out,
                )
                callers = demo_callers(_answer_after(prompts_dir, speed))
                channels = [
                    await simulator.place_call(
                        app=settings.ari_app,
                        number=caller.number,
                        name="Consument",
                        args=list(caller.args),
                        variables=dict(caller.variables),
                        steps=list(caller.steps),
                    )
                    for caller in callers
                ]
                await _wait_for_calls(simulator, service.store, channels)
                for caller, channel_id in zip(callers, channels, strict=True):
                    await _print_call(
                        out, caller, simulator.transcript(channel_id), service.store, channel_id
                    )
                await _print_suppression_list(out, service.store)
                failures = _prompt_failures(service)
            finally:
                await service.stop()
                await runner.cleanup()
    if failures:
        print(
            f"ivr demo: {failures:g} prompt(s) failed to play (are the prompts in {prompts_dir}?)",
            file=sys.stderr,
        )
        return 1
    return 0


def _prompt_failures(service: IvrService) -> float:
    """Prompts that failed to play during the demo (``ivr_prompt_failures_total``)."""
    return sum(
        sample.value
        for metric in service.metrics.prompt_failures.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


async def _wait_for_calls(simulator: Simulator, store: Store, channels: Sequence[str]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while loop.time() < deadline:
        if all(simulator.is_gone(channel) for channel in channels):
            ended = [await store.calls_for_channel(channel) for channel in channels]
            if all(calls and calls[-1].outcome is not None for calls in ended):
                return
        await asyncio.sleep(0.05)
    raise TimeoutError("demo calls did not end in time")


def _describe(entry: dict[str, Any]) -> str:
    kind = entry.get("kind")
    if kind == "prompt":
        media = _SOUND_PREFIX.sub("", str(entry.get("media", "")))
        status = entry.get("status", "")
        if status == "interrupted":
            return f"  ▶ {media:<24} interrupted at {entry.get('offset_ms', 0) / 1000:.1f}s"
        return f"  ▶ {media:<24} {status}"
    if kind == "key":
        return f"  ⌨ pressed {entry.get('digit')}"
    if kind == "transfer":
        return f"  ↪ transfer to {entry.get('destination')}: {entry.get('result')}"
    if kind == "hangup":
        return f"  ✆ hung up by {entry.get('by')}"
    return f"  {entry}"


async def _print_call(
    out: TextIO,
    caller: DemoCaller,
    transcript: list[dict[str, Any]],
    store: Store,
    channel_id: str,
) -> None:
    calls = await store.calls_for_channel(channel_id)
    call = calls[-1] if calls else None
    print(f"── {caller.title} (caller {mask_number(caller.number)})", file=out)
    for entry in transcript:
        print(f"{entry.get('t_ms', 0) / 1000:6.1f}s{_describe(entry)}", file=out)
    if call is not None:
        recorded = [row.kind.value for row in await store.optouts_for_call(call.id)]
        outcome = call.outcome.value if call.outcome else "?"
        print(f"   outcome: {outcome}; recorded: {', '.join(recorded) or 'nothing'}", file=out)
        rights = call.rights or {}
        verdict = ", ".join(f"{right} {value}" for right, value in rights.items())
        print(f"   rights: {verdict or 'none (no prompt played)'}\n", file=out)


async def _print_suppression_list(out: TextIO, store: Store) -> None:
    print("Suppression list (active opt-outs):", file=out)
    print(f"  {'number':<14} {'advertiser':<10} {'kind':<17} {'scope':<30} charities", file=out)
    async for row in store.iter_optouts():
        scope = (
            ""
            if row.scope is None
            else row.scope
            if isinstance(row.scope, str)
            else "|".join(row.scope)
        )
        charities = "" if row.charities is None else ("yes" if row.charities else "no")
        print(
            f"  {row.number:<14} {row.advertiser:<10} {row.kind.value:<17} {scope:<30} {charities}",
            file=out,
        )
