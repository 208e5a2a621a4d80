"""GET /ari/sounds as real Asterisk 22.10.1 answers it (docs/design.md §10.1).

Asterisk takes the first folder under its sounds directory as the language: our
prompts (``sounds/ivr/nl/menu.wav``) are id ``nl/menu`` in language ``ivr``.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.ari.errors import SoundNotFound
from ivr.ari.http import AriClient
from ivr.clock import VirtualClock
from ivr.simulator import Simulator
from tests.prompts.wavs import write_wav
from tests.simulator.conftest import PROMPTS, Rig, rig_for

IVR_SLIN = [{"language": "ivr", "format": "slin"}]


async def test_a_prompt_is_found_by_its_id_below_the_language_folder(rig: Rig) -> None:
    assert await rig.ari("GET", "/ari/sounds/nl%2Fmenu") == (
        200,
        {"id": "nl/menu", "formats": IVR_SLIN},
    )
    assert await rig.ari("GET", "/ari/sounds/nl%2Fadvertisers%2Facme") == (
        200,
        {"id": "nl/advertisers/acme", "formats": IVR_SLIN},
    )


async def test_a_missing_sound_is_404_sound_not_found(rig: Rig) -> None:
    assert await rig.ari("GET", "/ari/sounds/nl%2Fno-such-prompt") == (
        404,
        {"message": "Sound not found"},
    )
    assert await rig.ari("GET", "/ari/sounds/..%2F..%2Fetc%2Fpasswd") == (
        404,
        {"message": "Sound not found"},
    )


async def test_an_unencoded_slash_is_another_path_asterisk_does_not_know(rig: Rig) -> None:
    assert await rig.ari("GET", "/ari/sounds/nl/menu") == (404, {"message": "Resource not found"})


async def test_core_sounds_are_english(rig: Rig) -> None:
    status, body = await rig.ari("GET", "/ari/sounds/hello-world")
    assert status == 200
    assert body == {"id": "hello-world", "formats": [{"language": "en", "format": "gsm"}]}


async def test_the_list_by_language_holds_every_prompt_and_nothing_else(rig: Rig) -> None:
    status, body = await rig.ari("GET", "/ari/sounds", lang="ivr")
    assert status == 200
    wavs = sorted(
        path.relative_to(PROMPTS).with_suffix("").as_posix() for path in PROMPTS.rglob("*.wav")
    )
    assert [sound["id"] for sound in body] == wavs
    assert all(sound["formats"] == IVR_SLIN for sound in body)


async def test_a_list_that_matches_nothing_is_404(rig: Rig) -> None:
    assert await rig.ari("GET", "/ari/sounds", lang="xx") == (
        404,
        {"message": "No sounds found that matched the query"},
    )


@pytest.fixture
async def empty_rig(tmp_path: Path) -> AsyncIterator[tuple[Rig, Path]]:
    prompts = tmp_path / "prompts"
    async with rig_for(lambda clock: Simulator(clock, prompts_dir=prompts)) as made:
        yield made, prompts


async def test_the_index_follows_files_copied_while_it_runs(empty_rig: tuple[Rig, Path]) -> None:
    rig, prompts = empty_rig
    assert (await rig.ari("GET", "/ari/sounds/nl%2Fmenu"))[0] == 404
    (prompts / "nl").mkdir(parents=True)
    shutil.copy(PROMPTS / "nl" / "menu.wav", prompts / "nl" / "menu.wav")
    assert (await rig.ari("GET", "/ari/sounds/nl%2Fmenu"))[0] == 200


async def test_the_sounds_folder_is_laid_out_as_asterisks(tmp_path: Path) -> None:
    write_wav(tmp_path / "sounds" / "nl" / "welkom.wav")
    (tmp_path / "sounds" / "en").mkdir()
    (tmp_path / "sounds" / "en" / "welkom.gsm").write_bytes(b"\0" * 330)

    def factory(clock: VirtualClock) -> Simulator:
        return Simulator(clock, prompts_dir=None, sounds_dir=tmp_path / "sounds")

    async with rig_for(factory) as rig:
        status, body = await rig.ari("GET", "/ari/sounds/welkom")
        assert status == 200
        assert body["formats"] == [
            {"language": "en", "format": "gsm"},
            {"language": "nl", "format": "slin"},
        ]
        status, listed = await rig.ari("GET", "/ari/sounds", lang="nl", format="slin")
        assert [sound["id"] for sound in listed] == ["welkom"]


async def test_the_ari_client_asks_for_a_sound_with_its_slashes_encoded(rig: Rig) -> None:
    async with AriClient(rig.base, "asterisk", "asterisk") as ari:
        sound = await ari.sound("nl/menu")
        assert sound.id == "nl/menu" and sound.in_language("ivr")
        assert not sound.in_language("nl")
        with pytest.raises(SoundNotFound) as caught:
            await ari.sound("nl/none")
        assert caught.value.message == "Sound not found"
    assert [r.path for r in rig.sim.requests[-2:]] == ["/ari/sounds/nl/menu", "/ari/sounds/nl/none"]
