"""A user's mistake (a setting, a path, a file) is one line on stderr and exit 2, naming the
setting or file and the reason; never a traceback. Run as the operator runs them: processes."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CONFIG = '[advertisers.acme]\nname = "Acme"\n'


@dataclass(frozen=True)
class Mistake:
    args: list[str]
    says: list[str]
    env: dict[str, str] = field(default_factory=dict)


MISTAKES = {
    "voicemail targets not JSON": Mistake(
        ["export", "--db", "ivr.sqlite3"],
        ["IVR_VOICEMAIL_TARGETS", "JSON"],
        {"IVR_VOICEMAIL_TARGETS": "vm,vm-*"},
    ),
    "advertisers not JSON": Mistake(
        ["export", "--db", "ivr.sqlite3"], ["IVR_ADVERTISERS", "JSON"], {"IVR_ADVERTISERS": "{x"}
    ),
    "serve with a database in a missing folder": Mistake(
        ["serve"],
        ["no-such-dir/ivr.sqlite3", "does not exist"],
        {"IVR_DB": "no-such-dir/ivr.sqlite3"},
    ),
    "api with a database in a missing folder": Mistake(
        ["api"],
        ["no-such-dir/ivr.sqlite3", "does not exist"],
        {"IVR_DB": "no-such-dir/ivr.sqlite3"},
    ),
    "serve with a file that is not a database": Mistake(
        ["serve"], ["not-a-db.txt", "not a database"], {"IVR_DB": "not-a-db.txt"}
    ),
    "api with a file that is not a database": Mistake(
        ["api"], ["not-a-db.txt", "not a database"], {"IVR_DB": "not-a-db.txt"}
    ),
    "serve with IVR_DB a folder": Mistake(["serve"], ["dbdir", "is a folder"], {"IVR_DB": "dbdir"}),
    "export with IVR_DB a folder": Mistake(
        ["export"], ["dbdir", "is a folder"], {"IVR_DB": "dbdir"}
    ),
    "scrub into a missing folder": Mistake(
        ["scrub", "calls.csv", "-o", "missing-dir/out.csv", "--advertiser", "acme"],
        ["missing-dir/out.csv", "folder missing-dir does not exist"],
    ),
    "export into a missing folder": Mistake(
        ["export", "-o", "missing-dir/x.csv"],
        ["missing-dir/x.csv", "folder missing-dir does not exist"],
    ),
    "backup into a missing folder": Mistake(
        ["backup", "missing-dir/backup.sqlite3"],
        ["backup target missing-dir/backup.sqlite3", "folder missing-dir does not exist"],
    ),
    "config file that is not TOML": Mistake(
        ["export"], ["broken.toml"], {"IVR_CONFIG": "broken.toml"}
    ),
}


def ivr(cwd: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    clean.update({"IVR_DB": "ivr.sqlite3", "IVR_HTTP_PORT": "0", "IVR_LOG_FORMAT": "json", **env})
    return subprocess.run(
        [sys.executable, "-m", "ivr.cli", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a config, a real database holding one opt-out, a call file and the traps."""
    folder = tmp_path_factory.mktemp("mistakes")
    (folder / "ivr.toml").write_text(CONFIG)
    (folder / "calls.csv").write_text("naam,nummer\nJan,0612345678\n")
    (folder / "not-a-db.txt").write_text("this is not a database\n" * 10)
    (folder / "broken.toml").write_text("advertisers = [\n")
    (folder / "dbdir").mkdir()
    made = ivr(
        folder,
        ["optout", "add", "0612345678", "--advertiser", "acme", "--kind", "recht_van_verzet"],
        {},
    )
    assert made.returncode == 0, made.stderr
    return folder


@pytest.mark.parametrize("case", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_mistake_is_one_line_and_exit_2(workdir: Path, case: Mistake) -> None:
    done = ivr(workdir, case.args, case.env)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("ivr: ")]
    assert len(errors) == 1, done.stderr
    for words in case.says:
        assert words in errors[0]
    assert not (workdir / "missing-dir").exists()


def test_backup_into_a_missing_folder_does_not_blame_the_database(workdir: Path) -> None:
    done = ivr(workdir, ["backup", "missing-dir/b.sqlite3"], {})
    assert "ivr.sqlite3" not in done.stderr


@pytest.mark.parametrize(
    "value", ["MACHINE,NOTSURE", " MACHINE , NOTSURE ", '["MACHINE","NOTSURE"]']
)
def test_refuse_amd_is_accepted_as_a_list_or_comma_separated(
    workdir: Path, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = ivr(workdir, ["export"], {"IVR_REFUSE_AMD": value})
    assert done.returncode == 0, done.stderr
    assert "+31612345678" in done.stdout
    from ivr.config import Settings

    monkeypatch.chdir(workdir)
    monkeypatch.setenv("IVR_REFUSE_AMD", value)
    assert Settings().refuse_amd == ["MACHINE", "NOTSURE"]


def test_voicemail_targets_in_json_may_hold_commas(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr.config import Settings

    monkeypatch.chdir(workdir)
    monkeypatch.setenv("IVR_VOICEMAIL_TARGETS", '["vm", "mailbox,*"]')
    assert Settings().voicemail_targets == ["vm", "mailbox,*"]
