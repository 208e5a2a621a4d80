"""The service asks Asterisk (here the simulator) whether its prompts are installed
(docs/design.md §10.1, §14.13):
at the first connection a missing one stops the start; after a reconnect it turns
/readyz red with ``prompts_missing`` until it is there."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from ivr.ari.http import AriClient
from ivr.clock import VirtualClock
from ivr.config import AdvertiserConfig
from ivr.flow.profile import load_profile
from ivr.prompts.names import advertiser_prompts, required_prompts
from ivr.prompts.on_asterisk import missing_on_asterisk, prompt_media, sound_of
from ivr.service import IvrService
from ivr.simulator import Simulator
from tests.calls.conftest import APP, PROMPTS, make_settings
from tests.prompts.wavs import write_wav


def test_media_are_every_prompt_of_every_profile_in_each_of_its_languages() -> None:
    nl, us = load_profile("nl-ctm2012"), load_profile("us-tcpa")
    media = prompt_media(PROMPTS, [nl, us], "sound:ivr", lambda lang: ["advertisers/acme"])
    dutch = [f"sound:ivr/nl/{name}" for name in required_prompts(nl, ["advertisers/acme"])]
    english = [f"sound:ivr/en/{name}" for name in required_prompts(us, ["advertisers/acme"])]
    assert media == dutch + english
    assert "sound:ivr/en/menu-dnc" in media and "sound:ivr/nl/menu-dnc" not in media


ADVERTISERS = {
    "acme": AdvertiserConfig(
        name="Acme", name_prompt="advertisers/acme", contact_prompt="advertisers/acme-contact"
    ),
    "usco": AdvertiserConfig(name="US Co", name_prompt_en="advertisers/acme", profile="us-tcpa"),
}


def test_advertisers_prompts_are_asked_for_in_the_language_they_are_played_in(
    tmp_path: Path,
) -> None:
    """Dutch calls play name and contact prompts, English ones ``name_prompt_en`` (§14.16)."""
    settings = make_settings(tmp_path, "http://127.0.0.1:1", advertisers=ADVERTISERS)
    nl, us = load_profile("nl-ctm2012"), load_profile("us-tcpa")
    media = prompt_media(PROMPTS, [nl, us], "sound:ivr", partial(advertiser_prompts, settings))
    assert "sound:ivr/nl/advertisers/acme" in media
    assert "sound:ivr/nl/advertisers/acme-contact" in media
    assert "sound:ivr/en/advertisers/acme" in media
    assert "sound:ivr/en/advertisers/acme-contact" not in media
    assert advertiser_prompts(settings) == [
        "advertisers/acme",
        "advertisers/acme-contact",
    ]


def test_a_sound_path_names_its_language_folder_first() -> None:
    assert sound_of("sound:ivr/nl/menu") == ("nl/menu", "ivr")
    assert sound_of("sound:ivr/nl/advertisers/acme") == ("nl/advertisers/acme", "ivr")
    assert sound_of("sound:beep") == ("beep", None)


@asynccontextmanager
async def simulated(
    prompts: Path | None, sounds: Path | None = None
) -> AsyncIterator[tuple[VirtualClock, Simulator, str]]:
    clock = VirtualClock()
    sim = Simulator(clock, prompts_dir=prompts, sounds_dir=sounds)
    async with sim.serve("127.0.0.1", 0) as url:
        yield clock, sim, url


def sim_prompts(tmp_path: Path, *without: str) -> Path:
    copy = Path(shutil.copytree(PROMPTS, tmp_path / "asterisk-prompts"))
    for name in without:
        (copy / f"{name}.wav").unlink()
    return copy


async def test_the_lookup_names_exactly_the_missing_media(tmp_path: Path) -> None:
    prompts = sim_prompts(tmp_path, "nl/goodbye", "nl/advertisers/acme")
    write_wav(tmp_path / "sounds" / "nl" / "welkom.wav")
    simulator = simulated(prompts, tmp_path / "sounds")
    async with simulator as (_, sim, url), AriClient(url, "asterisk", "asterisk") as ari:
        media = ["sound:ivr/nl/menu", "sound:ivr/nl/goodbye", "sound:ivr/nl/advertisers/acme"]
        assert await missing_on_asterisk(ari, media) == media[1:]
        # id welkom exists in language nl only: sound:fr/welkom would not play
        assert await missing_on_asterisk(ari, ["sound:nl/welkom", "sound:fr/welkom"]) == [
            "sound:fr/welkom"
        ]
    asked = [r.path for r in sim.requests if r.path.startswith("/ari/sounds/")]
    assert "/ari/sounds/nl/goodbye" in asked


@asynccontextmanager
async def service_on(
    tmp_path: Path, prompts: Path, *, allow_missing: bool, **settings: Any
) -> AsyncIterator[tuple[VirtualClock, Simulator, IvrService]]:
    async with simulated(prompts) as (clock, sim, url):
        service = IvrService(
            make_settings(tmp_path, url, **settings), clock, allow_missing_prompts=allow_missing
        )
        await service.start()
        try:
            yield clock, sim, service
        finally:
            stopping = asyncio.ensure_future(service.stop())
            await clock.run_until(stopping.done, limit=120)
            await stopping


async def readyz(service: IvrService) -> tuple[int, dict[str, Any]]:
    assert service.api is not None
    server = TestServer(service.api)
    async with TestClient(server) as client:
        response = await client.get("/readyz")
        return response.status, await response.json()


async def test_a_missing_prompt_at_the_first_connection_fails_the_start_naming_it(
    tmp_path: Path,
) -> None:
    prompts = sim_prompts(tmp_path, "nl/goodbye")
    with capture_logs() as logs:
        async with service_on(tmp_path, prompts, allow_missing=False) as (clock, _, service):
            failed = service.start_failed
            assert failed is not None
            await clock.run_until(failed.done, limit=30)
            assert failed.result() == (
                "1 prompt(s) not installed on Asterisk: sound:ivr/nl/goodbye (install them "
                "with `ivr prompts install SOUNDS_DIR`, or start with --allow-missing-prompts)"
            )
    missing = [entry for entry in logs if entry["event"] == "prompts.missing_at_start"]
    assert missing == [
        {
            "event": "prompts.missing_at_start",
            "missing": ["sound:ivr/nl/goodbye"],
            "log_level": "error",
        }
    ]


async def test_allowed_missing_prompts_keep_readyz_red_until_they_are_installed(
    tmp_path: Path,
) -> None:
    prompts = sim_prompts(tmp_path, "nl/goodbye")
    async with service_on(tmp_path, prompts, allow_missing=True) as (clock, sim, service):
        await clock.run_until(lambda: sim.app_connected(APP), limit=30)
        assert service.start_failed is not None and not service.start_failed.done()
        status, body = await readyz(service)
        assert status == 503
        assert body["checks"] == {
            "database": True,
            "ari_ready": True,
            "prompts_installed": False,
        }
        assert "prompts_missing" in body["detail"]

        shutil.copy(PROMPTS / "nl" / "goodbye.wav", prompts / "nl" / "goodbye.wav")
        await clock.advance(5)
        status, body = await readyz(service)
        assert status == 200 and "prompts_missing" not in body["detail"]


async def test_a_prompt_gone_after_a_reconnect_turns_readyz_red(tmp_path: Path) -> None:
    prompts = sim_prompts(tmp_path)
    async with service_on(tmp_path, prompts, allow_missing=False) as (clock, sim, service):
        await clock.run_until(lambda: sim.app_connected(APP), limit=30)
        assert (await readyz(service))[0] == 200
        (prompts / "nl" / "menu.wav").unlink()
        with capture_logs() as logs:
            sim.inject_fault({"drop_websocket": {"close_frame": False}})
            await clock.run_until(lambda: bool(service.prompts and service.prompts.missing))
            await clock.run_until(lambda: sim.app_connected(APP), limit=30)
        assert service.start_failed is not None and not service.start_failed.done()
        assert [e["missing"] for e in logs if e["event"] == "prompts.missing"] == [
            ["sound:ivr/nl/menu"]
        ]
        status, body = await readyz(service)
        assert status == 503 and "prompts_missing" in body["detail"]
        shutil.copy(PROMPTS / "nl" / "menu.wav", prompts / "nl" / "menu.wav")
        await clock.advance(5)
        assert (await readyz(service))[0] == 200


@pytest.mark.parametrize(
    ("removed", "media"),
    [
        ("nl/advertisers/acme-contact", "sound:ivr/nl/advertisers/acme-contact"),
        ("en/advertisers/acme", "sound:ivr/en/advertisers/acme"),
    ],
)
async def test_a_missing_contact_or_english_name_prompt_fails_the_start(
    tmp_path: Path, removed: str, media: str
) -> None:
    """``contact_prompt`` (§14.15) and a us-tcpa advertiser's ``name_prompt_en`` (§14.16)."""
    prompts = sim_prompts(tmp_path, removed)
    async with service_on(tmp_path, prompts, allow_missing=False, advertisers=ADVERTISERS) as (
        clock,
        _,
        service,
    ):
        failed = service.start_failed
        assert failed is not None
        await clock.run_until(failed.done, limit=30)
        assert failed.result().startswith(f"1 prompt(s) not installed on Asterisk: {media} ")
