"""The shipped dialplan kit, read as Asterisk reads it: the fall-back reaches a person and
ends, ARI survives a missing user file, every application on the hand-off path can run."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.dialplan.conffile import read_config
from ivr.dialplan.parser import parse_files
from tests.dialplan.conftest import Outcome

REPO = Path(__file__).resolve().parents[2]
KIT = REPO / "dialplan"
Check = Callable[..., Outcome]


def settings(path: Path, category: str) -> dict[str, str]:
    found = read_config([path]).find(category)
    assert found is not None, f"[{category}] in {path.name}"
    return {entry.name: entry.value for entry in found.entries}


def fallback_steps() -> list[tuple[str, str]]:
    """(app, data) of the hand-off's priorities after Stasis(), in order."""
    context = parse_files([KIT / "extensions.conf"]).contexts["ivr-handoff"]
    steps = [(p.app, p.data) for p in context.extensions["5000"].priorities.values()]
    stasis = next(i for i, (app, _) in enumerate(steps) if app == "Stasis")
    return steps[stasis + 1 :]


def test_the_fall_back_plays_handoff_fallback_queues_with_a_time_out_then_goodbye() -> None:
    apps = [(app, data) for app, data in fallback_steps() if app not in ("Log", "Set", "ExecIf")]
    assert apps == [
        ("Playback", "ivr/nl/handoff-fallback"),
        ("Queue", "agents,,,,${IVR_FALLBACK_QUEUE_S}"),
        ("Playback", "ivr/nl/goodbye"),
        ("Hangup", ""),
    ]
    assert not any("cannot-register" in data for _, data in fallback_steps())


def test_the_queue_time_out_is_a_global_of_120_with_a_default_on_the_channel() -> None:
    dialplan = parse_files([KIT / "extensions.conf"])
    assert dialplan.globals["IVR_FALLBACK_QUEUE_S"] == "120"
    assert (
        "ExecIf",
        '$["${IVR_FALLBACK_QUEUE_S}" = ""]?Set(IVR_FALLBACK_QUEUE_S=120)',
    ) in fallback_steps()


def test_the_queue_the_dialplan_names_exists_and_never_holds_a_caller_with_no_agent() -> None:
    agents = settings(KIT / "queues.conf", "agents")
    assert agents["strategy"] == "ringall"
    assert agents["timeout"] == "15"
    assert agents["joinempty"] == "unavailable,invalid,unknown"
    assert agents["leavewhenempty"] == "unavailable,invalid,unknown"
    assert agents["musicclass"] == "default"
    assert agents["announce-position"] == "no"
    assert agents["setinterfacevar"] == "yes"  # MEMBERNAME, read by [ivr-handoff]


def test_ari_conf_pulls_its_users_with_tryinclude(tmp_path: Path) -> None:
    text = (KIT / "ari.conf").read_text()
    live = [line.split(";", 1)[0].strip() for line in text.splitlines()]
    assert '#tryinclude "ari_users.conf"' in live
    assert not any(line.startswith("#include") for line in live)
    shutil.copy(KIT / "ari.conf", tmp_path / "ari.conf")
    assert settings(tmp_path / "ari.conf", "general")["enabled"] == "yes"
    shutil.copy(KIT / "ari_users.conf.example", tmp_path / "ari_users.conf")
    user = settings(tmp_path / "ari.conf", "asterisk")
    assert user["type"] == "user"
    assert user["read_only"] == "no"
    assert user["password_format"] == "plain"


def test_amd_conf_holds_asterisks_defaults() -> None:
    assert settings(KIT / "amd.conf", "general") == {
        "initial_silence": "2500",
        "greeting": "1500",
        "after_greeting_silence": "800",
        "total_analysis_time": "5000",
        "min_word_length": "100",
        "maximum_word_length": "5000",
        "between_words_silence": "50",
        "maximum_number_of_words": "2",
        "silence_threshold": "256",
    }


def test_check_with_etc_passes_the_kit(run_check: Check) -> None:
    outcome = run_check(KIT / "extensions.conf", "--etc", KIT)
    assert outcome.code == 0, outcome
    assert outcome.lines == []


@pytest.fixture
def etc(tmp_path: Path) -> Path:
    folder = tmp_path / "etc"
    shutil.copytree(KIT, folder)
    return folder


def queue_line(etc: Path) -> str:
    lines = (etc / "extensions.conf").read_text().split("\n")
    number = next(i for i, line in enumerate(lines, 1) if "Queue(agents,,,," in line)
    return f"{etc / 'extensions.conf'}:{number}"


def test_check_with_etc_fails_without_queues_conf(etc: Path, run_check: Check) -> None:
    (etc / "queues.conf").unlink()
    outcome = run_check(etc / "extensions.conf", "--etc", etc)
    assert outcome.code == 1
    assert outcome.lines == [
        f"{queue_line(etc)}: Queue(agents) cannot run: no queues.conf in {etc} "
        "(app_queue does not load without it)"
    ]


def test_check_with_etc_fails_when_the_queue_has_another_name(etc: Path, run_check: Check) -> None:
    conf = etc / "queues.conf"
    conf.write_text(conf.read_text().replace("[agents]", "[sales]"))
    outcome = run_check(etc / "extensions.conf", "--etc", etc)
    assert outcome.code == 1
    assert outcome.lines == [
        f"{queue_line(etc)}: Queue(agents) cannot run: no queue [agents] in {conf}"
    ]


def test_check_with_etc_reports_amd_on_a_hand_off_path_without_amd_conf(
    tmp_path: Path, run_check: Check
) -> None:
    conf = tmp_path / "extensions.conf"
    conf.write_text("[handoff]\nexten => 5000,1,Stasis(optout)\n same => n,AMD()\n")
    outcome = run_check(conf, "--etc", tmp_path)
    assert outcome.code == 1
    assert outcome.lines == [
        f"{conf}:3: warning: AMD() after the hand-off takes a silent listener for a machine",
        f"{conf}:3: AMD() cannot run: no amd.conf in {tmp_path} (app_amd does not load without it)",
    ]
    (tmp_path / "amd.conf").write_text("[general]\n")
    assert run_check(conf, "--etc", tmp_path).code == 0


def test_the_readme_installs_every_file_of_the_kit() -> None:
    readme = (REPO / "README.md").read_text()
    wiring = readme.split("## Wiring the IVR into Asterisk", 1)[1].split("\n## ", 1)[0]
    for path in sorted(KIT.iterdir()):
        if path.name != "README.md":
            assert f"dialplan/{path.name}" in wiring, path.name
