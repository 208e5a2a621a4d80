from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.prompts.build import INSTALL_HINT, PromptBuildError, build_prompts
from ivr.prompts.check import check_prompt
from ivr.prompts.offered import load_offered

FAKE_TOOL = """#!{python}
import json, math, os, struct, sys, wave
tool = os.path.basename(sys.argv[0])
with open(os.environ["FAKE_TOOL_LOG"], "a") as log:
    log.write(json.dumps([tool, *sys.argv[1:]]) + "\\n")
if os.environ.get("FAKE_TOOL_FAIL") == tool:
    sys.stderr.write(tool + " FAIL formats: can't open input file\\n")
    sys.exit(2)
args = sys.argv[1:]
if tool == "espeak-ng":
    out, rate = args[args.index("-w") + 1], 22050
else:
    out, rate = args[args.index("signed-integer") + 1], 8000
with wave.open(out, "wb") as wav:
    wav.setnchannels(1)
    wav.setsampwidth(2)
    wav.setframerate(rate)
    wav.writeframes(b"".join(
        struct.pack("<h", int(9000 * math.sin(i / 3))) for i in range(rate // 4)
    ))
"""


@pytest.fixture
def texts(tmp_path: Path) -> Path:
    path = tmp_path / "texts.toml"
    path.write_text(
        'welcome = "Welkom."\ngoodbye = "Tot ziens."\n"advertisers/acme" = "Acme Energie."\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def tool_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """espeak-ng and sox stand-ins on PATH that log their arguments and write a WAV."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("espeak-ng", "sox"):
        script = bin_dir / tool
        script.write_text(FAKE_TOOL.format(python=sys.executable), encoding="utf-8")
        script.chmod(0o755)
    log = tmp_path / "tools.log"
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_TOOL_LOG", str(log))
    return log


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def no_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.usefixtures("no_tools")
def test_build_without_espeak_ng_says_what_to_install(texts: Path, tmp_path: Path) -> None:
    with pytest.raises(PromptBuildError) as caught:
        build_prompts(texts, tmp_path / "out", None)
    assert str(caught.value) == (
        "install espeak-ng and sox (Debian: apt-get install espeak-ng sox)"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("no_tools")
def test_prompts_build_command_without_tools_exits_2_with_the_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "texts.toml").write_text('welcome = "Welkom."\n', encoding="utf-8")
    assert main(["prompts", "build", "--dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"ivr: {INSTALL_HINT}\n"


def test_build_speaks_every_text_into_an_8khz_prompt(
    texts: Path, tmp_path: Path, tool_log: Path
) -> None:
    out = tmp_path / "nl"
    built = build_prompts(texts, out, None)
    assert built == [out / "welcome.wav", out / "goodbye.wav", out / "advertisers" / "acme.wav"]
    for path in built:
        assert check_prompt(path.stem, path, 60) == []
    assert sorted(path.name for path in out.iterdir()) == [
        "advertisers",
        "goodbye.wav",
        "welcome.wav",
    ]
    espeak, sox = calls(tool_log)[:2]
    assert espeak[0] == "espeak-ng"
    assert espeak[espeak.index("-v") + 1] == "nl"
    assert Path(espeak[espeak.index("-f") + 1]).name == "text.txt"
    assert sox[0] == "sox"
    output = sox.index("-r")
    assert sox[output : output + 8] == ["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"]
    assert "norm" in sox
    assert sox[-3:] == ["pad", "0.1", "0.1"]


def test_build_only_the_named_prompts(texts: Path, tmp_path: Path, tool_log: Path) -> None:
    out = tmp_path / "nl"
    assert build_prompts(texts, out, {"goodbye"}) == [out / "goodbye.wav"]
    assert [call[0] for call in calls(tool_log)] == ["espeak-ng", "sox"]


def test_build_refuses_names_without_a_text(texts: Path, tmp_path: Path, tool_log: Path) -> None:
    with pytest.raises(PromptBuildError, match=r"has no text for: menu, welkom$"):
        build_prompts(texts, tmp_path / "nl", {"welkom", "menu", "goodbye"})
    assert not tool_log.exists()


def test_a_failing_tool_is_named_with_its_reason_and_leaves_no_file(
    texts: Path, tmp_path: Path, tool_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TOOL_FAIL", "sox")
    out = tmp_path / "nl"
    with pytest.raises(PromptBuildError) as caught:
        build_prompts(texts, out, {"welcome"})
    assert (
        str(caught.value) == "sox failed for welcome.wav: sox FAIL formats: can't open input file"
    )
    assert list(out.iterdir()) == []


def test_a_text_that_is_not_a_string_is_refused(tmp_path: Path, tool_log: Path) -> None:
    texts = tmp_path / "texts.toml"
    texts.write_text('welcome = "Welkom."\nmenu = 12\n', encoding="utf-8")
    with pytest.raises(PromptBuildError, match=r"every value must be a text; not: menu"):
        build_prompts(texts, tmp_path / "nl", None)


def test_prompts_build_command_writes_into_dir_lang(
    tmp_path: Path, tool_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "texts.toml").write_text(
        'welcome = "Welcome."\ngoodbye = "Goodbye."\n', encoding="utf-8"
    )
    code = main(["prompts", "build", "--dir", str(tmp_path), "--lang", "en", "--only", "goodbye"])
    assert code == 0
    assert capsys.readouterr().out == f"built 1 prompt in {tmp_path / 'en'}\n"
    assert (tmp_path / "en" / "goodbye.wav").is_file()
    assert not (tmp_path / "en" / "welcome.wav").exists()
    espeak = calls(tool_log)[0]
    assert espeak[espeak.index("-v") + 1] == "en-us"


def test_a_name_that_would_write_outside_the_folder_is_refused(
    tmp_path: Path, tool_log: Path
) -> None:
    texts = tmp_path / "texts.toml"
    texts.write_text('welcome = "Welkom."\n"../menu" = "Menu."\n', encoding="utf-8")
    with pytest.raises(PromptBuildError, match=r"not valid prompt names: '\.\./menu'$"):
        build_prompts(texts, tmp_path / "nl", None)
    assert not tool_log.exists()


def test_build_measures_each_mark_on_the_text_before_it(tmp_path: Path, tool_log: Path) -> None:
    out = tmp_path / "nl"
    out.mkdir()
    (out / "texts.toml").write_text(
        'menu = "Verzet. {offered:recht_van_verzet} Register. {offered:bel_me_niet} Toets 1."\n'
        'goodbye = "Tot ziens."\n',
        encoding="utf-8",
    )
    build_prompts(out / "texts.toml", out, None)
    spoken = [
        Path(call[call.index("-f") + 1]) for call in calls(tool_log) if call[0] == "espeak-ng"
    ]
    assert len(spoken) == 4  # menu whole, the two texts before its marks, goodbye
    menu = load_offered(tmp_path, "nl")["menu"]
    assert menu.sha256 == hashlib.sha256((out / "menu.wav").read_bytes()).hexdigest()
    assert dict(menu.marks) == {"recht_van_verzet": 250, "bel_me_niet": 250}
    assert "goodbye" not in load_offered(tmp_path, "nl")


def test_building_only_some_prompts_keeps_the_others_marks(tmp_path: Path, tool_log: Path) -> None:
    out = tmp_path / "nl"
    out.mkdir()
    (out / "texts.toml").write_text(
        'menu = "Verzet. {offered:recht_van_verzet} Toets 1."\n'
        'offer-rvv = "Ook verzet? {offered:recht_van_verzet} Toets 1."\n',
        encoding="utf-8",
    )
    build_prompts(out / "texts.toml", out, None)
    before = load_offered(tmp_path, "nl")["menu"]
    build_prompts(out / "texts.toml", out, {"offer-rvv"})
    assert load_offered(tmp_path, "nl")["menu"] == before
    assert set(load_offered(tmp_path, "nl")) == {"menu", "offer-rvv"}
