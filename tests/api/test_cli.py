from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ivr.cli import build_parser, main, parser_for
from ivr.clock import LoopClock
from ivr.commands.progress import Progress
from ivr.domain import CallStart, Outcome
from ivr.store import Store

NUMBER = "+31612345678"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "ivr.toml"
    config.write_text('[advertisers.acme]\nname = "Acme"\n[advertisers.globex]\nname = "Globex"\n')
    path = tmp_path / "ivr.sqlite3"
    monkeypatch.setenv("IVR_CONFIG", str(config))
    monkeypatch.setenv("IVR_DB", str(path))
    monkeypatch.delenv("IVR_API_TOKENS", raising=False)
    monkeypatch.delenv("IVR_HTTP_HOST", raising=False)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys: pytest.CaptureFixture[str], *extra: str, number: str = "0612345678") -> Any:
    code, out, err = run(capsys, "optout", "add", number, "--advertiser", "acme", *extra)
    assert code == 0, err
    return json.loads(out)


def count_optouts(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM optouts").fetchone()[0])


def test_check_says_no_with_exit_1_and_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(capsys, "--kind", "recht_van_verzet", "--agent", "a7")
    code, out, _ = run(capsys, "check", "06-12345678", "--advertiser", "acme")
    assert code == 1
    body = json.loads(out)
    assert body["suppressed"] is True
    assert body["number"] == NUMBER
    assert body["reasons"][0]["code"] == "recht_van_verzet"
    code, out, _ = run(capsys, "check", "0687654321", "--advertiser", "acme")
    assert code == 0
    assert json.loads(out)["suppressed"] is False


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "12", "--advertiser", "acme"], "not a valid phone number"),
        (["check", "0612345678", "--advertiser", "acmee"], "neither configured"),
        (["check", "0612345678", "--advertiser", "acme", "--category", "x"], "unknown category"),
    ],
)
def test_check_input_errors_exit_2(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    add(capsys, "--kind", "recht_van_verzet")
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in err


def test_check_without_a_database_is_exit_2_and_creates_none(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "check", "0612345678", "--advertiser", "acme")
    assert code == 2
    assert "does not exist" in err
    assert not db.exists()


def test_optout_add_records_an_agents_register_entry(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = add(capsys, "--kind", "bel_me_niet", "--scope", "energie,loterijen", "--agent", "a7")
    assert entry["number"] == NUMBER
    assert entry["scope"] == ["energie", "loterijen"]
    assert (entry["source"], entry["created_by"]) == ("agent", "agent:a7")
    plain = add(capsys, "--kind", "bel_me_niet", "--charities", "yes", number="0687654321")
    assert (plain["scope"], plain["charities"], plain["source"]) == ("all", True, "api")


@pytest.mark.parametrize(
    "extra",
    [
        ["--kind", "bel_me_niet", "--scope", "energie", "--charities", "yes"],
        ["--kind", "bel_me_niet", "--scope", "wapens"],
        ["--kind", "recht_van_verzet", "--scope", "all"],
    ],
)
def test_optout_add_refuses_bad_entries_and_writes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet", number="0687654321")
    code, _, _ = run(capsys, "optout", "add", "0612345678", "--advertiser", "acme", *extra)
    assert code == 2
    assert count_optouts(db) == 1


def test_optout_add_for_an_unknown_advertiser_is_exit_2(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "optout",
        "add",
        "0612345678",
        "--advertiser",
        "nobody",
        "--kind",
        "recht_van_verzet",
    )
    assert code == 2
    assert "nobody" in err


def test_optout_revoke_once(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = add(capsys, "--kind", "recht_van_verzet")
    code, out, _ = run(capsys, "optout", "revoke", entry["id"], "--reason", "asked by letter")
    assert code == 0
    revocation = json.loads(out)
    assert (revocation["kind"], revocation["revokes"]) == ("revocation", entry["id"])
    code, _, err = run(capsys, "optout", "revoke", entry["id"], "--reason", "again")
    assert code == 2
    assert "already revoked" in err
    code, _, _ = run(capsys, "optout", "revoke", "no-such-id", "--reason", "x")
    assert code == 2
    assert run(capsys, "check", "0612345678", "--advertiser", "acme")[0] == 0


def test_import_loads_a_list_once(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "old list.csv"
    source.write_bytes(
        "\ufeffNaam;Telefoonnummer\nA;06 1234 5678\nB;0687654321\nA again;+31612345678\n".encode()
    )
    code, _, err = run(
        capsys, "import", str(source), "--advertiser", "acme", "--kind", "recht_van_verzet"
    )
    assert code == 0, err
    assert "imported 2 opt-outs" in err
    code, _, err = run(
        capsys, "import", str(source), "--advertiser", "acme", "--kind", "recht_van_verzet"
    )
    assert "imported 0 opt-outs" in err
    assert count_optouts(db) == 2
    code, out, _ = run(capsys, "export", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert {(r["source"], r["created_by"]) for r in rows} == {("import", "import:old list.csv")}


def test_import_reads_numbers_with_the_region_of_the_advertisers_profile(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "us.toml"
    config.write_text('[advertisers.usco]\nname = "US Co"\nprofile = "us-tcpa"\n')
    monkeypatch.setenv("IVR_CONFIG", str(config))
    source = tmp_path / "dnc.csv"
    source.write_text("phone\n(212) 555-0123\n212-555-0199\n")
    code, _, err = run(
        capsys, "import", str(source), "--advertiser", "usco", "--kind", "do_not_call"
    )
    assert code == 0, err
    assert "imported 2 opt-outs" in err
    code, out, _ = run(capsys, "export", "--format", "jsonl", "--advertiser", "usco")
    assert sorted(json.loads(line)["number"] for line in out.splitlines()) == [
        "+12125550123",
        "+12125550199",
    ]


def test_import_stops_at_an_invalid_number_unless_told_to_skip(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_text("0612345678\nnot-a-number\n0687654321\n0611111111\n0622222222\n")
    argv = ["import", str(source), "--advertiser", "acme", "--kind", "bel_me_niet"]
    code, _, err = run(capsys, *argv, "--charities", "yes")
    assert code == 2
    assert "record 2 ('not-a-number')" in err
    assert not db.exists() or count_optouts(db) == 0
    code, _, err = run(capsys, *argv, "--skip-invalid", "--scope", "energie")
    assert code == 0
    assert "imported 4 opt-outs" in err
    assert (
        run(capsys, "check", "0612345678", "--advertiser", "globex", "--category", "energie")[0]
        == 1
    )


def test_export_to_a_file_with_filters(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet", "--agent", "=cmd")
    add(capsys, "--kind", "bel_me_niet", "--charities", "no", number="0687654321")
    target = tmp_path / "out.csv"
    code, out, _ = run(capsys, "export", "-o", str(target), "--kind", "recht_van_verzet")
    assert code == 0
    assert out == ""
    lines = target.read_text().splitlines()
    assert lines[0] == (
        "number,advertiser,kind,scope,charities,source,agent,call_id,created_at,"
        "id,revokes,reason,requested_by"
    )
    assert lines[1].startswith(f"{NUMBER},acme,recht_van_verzet,,,agent,'=cmd,,")
    assert len(lines) == 2
    assert not (tmp_path / "out.csv.partial").exists()


@pytest.mark.parametrize(
    "extra", [["--advertiser", "nobody"], ["--since", "someday"], ["--number", "1"]]
)
def test_export_input_errors_exit_2(
    db: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet")
    assert run(capsys, "export", *extra)[0] == 2


def test_scrub_a_file_in_both_modes(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet")
    source = tmp_path / "calls.csv"
    source.write_text("naam;msisdn\nA;0612345678\nB;0687654321\nC;?\n")
    removed = tmp_path / "removed.csv"
    code, _, err = run(capsys, "scrub", str(source), "-o", str(removed), "--advertiser", "acme")
    assert code == 0
    assert removed.read_text() == "naam;msisdn\nB;0687654321\nC;?\n"
    assert "3 rows: 1 suppressed, 1 invalid" in err
    code, out, _ = run(
        capsys, "scrub", str(source), "-o", "-", "--advertiser", "acme", "--mode", "mark"
    )
    assert code == 0
    assert out.splitlines()[1] == "A;0612345678;yes;recht_van_verzet"


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"\xff\xfe\x00", [], "UTF-8"),
        (b"number\n0612345678\n", ["--column", "phone"], "no column"),
    ],
)
def test_scrub_input_errors_exit_2_without_output(
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    extra: list[str],
    message: str,
) -> None:
    add(capsys, "--kind", "recht_van_verzet")
    source = tmp_path / "calls.csv"
    source.write_bytes(content)
    target = tmp_path / "out.csv"
    code, _, err = run(
        capsys, "scrub", str(source), "-o", str(target), "--advertiser", "acme", *extra
    )
    assert code == 2
    assert message in err
    assert not target.exists()


def test_scrub_finds_every_number_column_and_prints_the_counts(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet", number="0687654321")
    source = tmp_path / "calls.csv"
    source.write_text("naam;GSM;mobiel\nA;0611111111;0687654321\nB;0622222222;\nC;x;y\n")
    code, out, err = run(capsys, "scrub", str(source), "-o", "-", "--advertiser", "acme")
    assert code == 0
    assert out == "naam;GSM;mobiel\nB;0622222222;\nC;x;y\n"
    assert "3 rows: 1 suppressed, 1 invalid numbers; number columns: GSM, mobiel" in err
    code, out, _ = run(
        capsys, "scrub", str(source), "-o", "-", "--advertiser", "acme", "--column", "gsm"
    )
    assert out == source.read_text()
    code, out, _ = run(
        capsys,
        "scrub",
        str(source),
        "-o",
        "-",
        "--advertiser",
        "acme",
        *("--column", "gsm", "--column", "MOBIEL"),
    )
    assert out == "naam;GSM;mobiel\nB;0622222222;\nC;x;y\n"


def test_scrub_of_a_headerless_list_checks_its_first_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet")
    source = tmp_path / "numbers.txt"
    source.write_text("06 1234 5678\n0687654321\n")
    code, out, err = run(capsys, "scrub", str(source), "-o", "-", "--advertiser", "acme")
    assert code == 0
    assert out == "0687654321\n"
    assert "number columns: #1" in err


def test_scrub_without_a_number_column_is_exit_2_naming_the_headers(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet")
    source = tmp_path / "calls.csv"
    source.write_text("naam,plaats\nA,Utrecht\n")
    target = tmp_path / "out.csv"
    code, _, err = run(capsys, "scrub", str(source), "-o", str(target), "--advertiser", "acme")
    assert code == 2
    assert (
        "no number column found (headers seen: 'naam', 'plaats'); name it with --column NAME\n"
        in err
    )
    assert not target.exists()


def test_import_takes_the_numbers_of_every_number_column(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_text("naam,nummer,mobiel\nA,0201234567,0612345678\nB,,0687654321\n")
    code, _, err = run(
        capsys, "import", str(source), "--advertiser", "acme", "--kind", "recht_van_verzet"
    )
    assert code == 0, err
    assert "imported 3 opt-outs" in err
    for number in ("0201234567", "0612345678", "0687654321"):
        assert run(capsys, "check", number, "--advertiser", "acme")[0] == 1


def test_import_of_a_headerless_list_keeps_its_first_number(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.txt"
    source.write_text("0612345678\n0687654321\n")
    code, _, err = run(
        capsys, "import", str(source), "--advertiser", "acme", "--kind", "recht_van_verzet"
    )
    assert code == 0, err
    assert "imported 2 opt-outs" in err
    assert run(capsys, "check", "0612345678", "--advertiser", "acme")[0] == 1


def test_scrub_of_a_missing_file_is_exit_2(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet")
    code, _, _ = run(
        capsys, "scrub", str(tmp_path / "absent.csv"), "-o", "-", "--advertiser", "acme"
    )
    assert code == 2


def test_backup_copies_the_opt_outs(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet")
    target = tmp_path / "copy.sqlite3"
    code, out, _ = run(capsys, "backup", str(target))
    assert code == 0
    assert json.loads(out) == {"backup": str(target)}
    assert count_optouts(target) == 1


def test_purge_removes_old_evidence_and_keeps_opt_outs(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(capsys, "--kind", "recht_van_verzet")
    now = datetime.now(UTC)

    async def calls() -> None:
        store = await Store.open(db, LoopClock())
        for call_id, age in [("old", 800), ("recent", 10)]:
            started = now - timedelta(days=age)
            await store.start_call(
                CallStart(
                    id=call_id,
                    channel_id=call_id,
                    advertiser="acme",
                    started_at=started,
                    profile="nl-ctm2012",
                )
            )
            await store.end_call(call_id, Outcome.COMPLETED, ended_at=started)
        await store.close()

    asyncio.run(calls())
    code, out, _ = run(capsys, "purge")
    assert code == 0
    assert json.loads(out)["calls_removed"] == 1
    code, out, _ = run(capsys, "purge", "--older-than-days", "5")
    assert json.loads(out)["calls_removed"] == 1
    assert count_optouts(db) == 1
    assert run(capsys, "purge", "--older-than-days", "0")[0] == 2


def test_api_refuses_an_open_non_loopback_bind(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_HTTP_HOST", "0.0.0.0")
    code, _, err = run(capsys, "api", "--log-format", "json")
    assert code == 2
    assert "IVR_API_TOKENS" in err


def test_progress_draws_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown = Terminal()
    with Progress("scrub", total=4, stream=shown) as progress:
        progress.advance(4)
    assert "[" + "#" * 30 + "] 100%  4/4" in shown.getvalue()
    piped = io.StringIO()
    with Progress("scrub", total=4, stream=piped) as progress:
        progress.advance(4)
    assert piped.getvalue() == ""


def test_export_for_an_advertiser_holds_every_register_row_whoever_recorded_it(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = add(capsys, "--kind", "recht_van_verzet")
    code, out, err = run(
        capsys,
        "optout",
        "add",
        "0687654321",
        "--advertiser",
        "globex",
        "--kind",
        "bel_me_niet",
        "--charities",
        "yes",
    )
    assert code == 0, err
    register = json.loads(out)
    run(
        capsys,
        "optout",
        "add",
        "0611112222",
        "--advertiser",
        "globex",
        "--kind",
        "recht_van_verzet",
    )
    code, out, _ = run(capsys, "export", "--advertiser", "acme")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["id"] for row in rows] == [own["id"], register["id"]]
    assert rows[1]["advertiser"] == "globex"


def test_check_at_a_past_moment_counts_only_what_existed_then(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = add(capsys, "--kind", "recht_van_verzet")
    created = datetime.fromisoformat(entry["created_at"])
    before = (created - timedelta(seconds=1)).isoformat()
    argv = ["check", "0612345678", "--advertiser", "acme"]
    code, out, _ = run(capsys, *argv, "--at", before)
    assert (code, json.loads(out)["entries"]) == (0, [])
    assert run(capsys, *argv, "--at", created.isoformat())[0] == 1
    code, out, _ = run(capsys, "may-call", "0612345678", "--advertiser", "acme", "--at", before)
    assert "recht_van_verzet" not in [r["code"] for r in json.loads(out)["reasons"]]
    code, out, _ = run(
        capsys, "may-call", "0612345678", "--advertiser", "acme", "--at", created.isoformat()
    )
    assert (code, json.loads(out)["reasons"][0]["code"]) == (1, "recht_van_verzet")


def test_check_with_include_revoked_shows_the_history(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = add(capsys, "--kind", "recht_van_verzet")
    code, out, _ = run(capsys, "optout", "revoke", entry["id"], "--reason", "asked by letter")
    revocation = json.loads(out)
    code, out, _ = run(capsys, "check", "0612345678", "--advertiser", "acme", "--include-revoked")
    body = json.loads(out)
    assert (code, body["suppressed"]) == (0, False)
    assert [e["id"] for e in body["entries"]] == [entry["id"], revocation["id"]]
    assert body["entries"][1]["requested_by"] == "consumer"


@pytest.mark.parametrize("scope", [[], ["--scope", "all"]])
def test_optout_add_of_a_totaal_registration_needs_charities(
    db: Path, capsys: pytest.CaptureFixture[str], scope: list[str]
) -> None:
    code, out, err = run(
        capsys,
        "optout",
        "add",
        "0612345678",
        "--advertiser",
        "acme",
        "--kind",
        "bel_me_niet",
        *scope,
    )
    assert (code, out) == (2, "")
    assert "ask the consumer whether charities may still call" in err
    assert not db.exists() or count_optouts(db) == 0


def test_import_of_a_totaal_register_list_needs_charities(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "register.csv"
    source.write_text("0612345678\n0687654321\n")
    argv = ["import", str(source), "--advertiser", "acme", "--kind", "bel_me_niet"]
    code, _, err = run(capsys, *argv, "--scope", "all")
    assert code == 2
    assert "--charities" in err
    assert not db.exists() or count_optouts(db) == 0
    code, _, err = run(capsys, *argv, "--scope", "all", "--charities", "no")
    assert code == 0, err
    assert "imported 2 opt-outs" in err


def test_optout_add_twice_keeps_one_row(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = add(capsys, "--kind", "bel_me_niet", "--scope", "energie,auto")
    code, out, err = run(
        capsys,
        "optout",
        "add",
        "0612345678",
        "--advertiser",
        "acme",
        "--kind",
        "bel_me_niet",
        "--scope",
        "auto,energie",
    )
    assert (code, json.loads(out)["id"]) == (0, first["id"])
    assert "already active" in err
    assert count_optouts(db) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["scrub", "in.csv", "-o", "-", "--advertiser", "acme", "--column", "a", "--column", "b"],
        ["import", "in.csv", "--advertiser", "acme", "--kind", "bel_me_niet", "--scope", "all"],
    ],
)
def test_bulk_commands_parse_alike_with_only_their_own_module(argv: list[str]) -> None:
    assert vars(parser_for(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_scrub_and_import_start_without_the_http_stack() -> None:
    code = (
        "import sys; from ivr.cli import parser_for; parser_for(['scrub']); "
        "parser_for(['import']); print(sorted(m for m in sys.modules if m.startswith("
        "('aiohttp', 'ivr.api.app', 'ivr.api.routes', 'ivr.simulator', 'ivr.service'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
