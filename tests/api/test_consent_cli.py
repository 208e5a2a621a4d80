"""``ivr consent add|withdraw|import|export`` and ``ivr may-call`` under ``IVR_PROFILE=nl``,
against a real database (docs/design.md 11.2, 14.24)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ivr.cli import main
from ivr.clock import LoopClock
from ivr.rules.reasons import OUTSIDE_HOURS
from ivr.store import Store

NUMBER = "+31612345678"
OTHER = "+31687654321"
FIRST_DAY_2021 = "2021-07-01T12:00:00+02:00"
VERIFIED = ("--verified-at", "2021-01-05")
"""Rows are written now: a decision about them is one of now, under nl-2026 (verified only)."""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "ivr.toml"
    config.write_text(
        'profile = "nl"\n[advertisers.acme]\nname = "Acme"\n'
        '[advertisers.fonds]\nname = "Fonds"\nsector = "charity"\n',
        encoding="utf-8",
    )
    path = tmp_path / "ivr.sqlite3"
    monkeypatch.setenv("IVR_CONFIG", str(config))
    monkeypatch.setenv("IVR_DB", str(path))
    for name in ("IVR_API_TOKENS", "IVR_PROFILE"):
        monkeypatch.delenv(name, raising=False)

    async def create() -> None:
        await (await Store.open(path, LoopClock())).close()

    asyncio.run(create())
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys: pytest.CaptureFixture[str], *extra: str) -> Any:
    code, out, err = run(
        capsys,
        "consent", "add", "06 1234 5678", "--advertiser", "acme", "--channel", "phone",
        "--obtained-at", "2021-01-04T10:00:00+01:00", *extra,
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out)


def count(db: Path, kind: str) -> int:
    with sqlite3.connect(db) as conn:
        query = "SELECT count(*) FROM consents WHERE kind = ?"
        return int(conn.execute(query, (kind,)).fetchone()[0])


def may_call(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any]:
    code, out, err = run(capsys, "may-call", NUMBER, "--advertiser", "acme", *extra)
    assert code in (0, 1), err
    return code, json.loads(out)


def test_add_prints_the_row_and_may_call_then_allows(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, answer = may_call(capsys, "--at", FIRST_DAY_2021)
    assert (code, answer["profile"], answer["allowed"]) == (1, "nl-2021", False)
    assert [r["code"] for r in answer["reasons"]] == ["no_consent"]
    row = add(capsys, "--scope", "energie,auto", "--proof-ref", "call-recording-17", *VERIFIED)
    assert (row["number"], row["scope"], row["channel"]) == (NUMBER, ["energie", "auto"], "phone")
    late = "2099-06-02T12:00:00+02:00"  # a Tuesday, after the row was written
    code, answer = may_call(capsys, "--category", "energie", "--at", late)
    assert (code, answer["profile"]) == (0, "nl-2026"), answer
    assert may_call(capsys, "--at", late)[0] == 1  # without a category only scope all counts


def test_withdraw_once_then_exit_2(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    row = add(capsys, *VERIFIED)
    code, out, _ = run(capsys, "consent", "withdraw", row["id"], "--reason", "by letter")
    assert code == 0
    withdrawal = json.loads(out)
    assert (withdrawal["withdraws"], withdrawal["requested_by"]) == (row["id"], "consumer")
    code, _, err = run(capsys, "consent", "withdraw", row["id"], "--reason", "again")
    assert (code, "already withdrawn" in err) == (2, True)
    code, _, err = run(capsys, "consent", "withdraw", "nope", "--reason", "x")
    assert (code, "no consent" in err) == (2, True)
    assert may_call(capsys)[1]["reasons"][0]["code"] == "consent_withdrawn"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--obtained-at", "2999-01-01T00:00:00Z"), "future"),
        (("--expires-at", "2020-01-01"), "after obtained_at"),
        (("--scope", "tuinmeubels"), "unknown category"),
    ],
)
def test_add_refuses_what_cannot_be(
    db: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], message: str
) -> None:
    code, _, err = run(
        capsys, "consent", "add", NUMBER, "--advertiser", "acme", "--channel", "web",
        "--obtained-at", "2021-01-04", *extra,
    )  # fmt: skip
    assert code == 2
    assert message in err and "Traceback" not in err


def test_relation_ended_on_the_command_line(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    at = ("--at", FIRST_DAY_2021, "--relation", "customer", "--relation-ended")
    code, answer = may_call(capsys, *at, "2018-08-01")
    assert (code, [r["code"] for r in answer["reasons"]]) == (0, ["exception_customer"])
    code, answer = may_call(capsys, *at, "2018-06-01")
    assert code == 1
    assert [r["code"] for r in answer["reasons"]] == ["customer_relation_expired", "no_consent"]


IMPORT = (
    "number,obtained_at,proof_ref,verified_at,expires_at,scope\n"
    "0612345678,2021-01-04,form-1,2021-01-05,,all\n"
    "0687654321,2021-01-04T12:00:00+01:00,form-2,,2030-01-01,energie|auto\n"
    "0612345678,2021-01-04,form-1 again,,,all\n"
)


def test_import_skips_duplicates_and_counts_them(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "consents.csv"
    source.write_text(IMPORT, encoding="utf-8")
    argv = ("consent", "import", str(source), "--advertiser", "acme", "--channel", "web")
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert "imported 2 consents; 1 already present or repeated; 0 invalid" in err
    code, _, err = run(capsys, *argv)
    assert "imported 0 consents; 3 already present or repeated" in err
    assert count(db, "consent") == 2


def test_an_invalid_row_refuses_the_file_unless_skip_invalid(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "consents.csv"
    source.write_text(IMPORT + "12,2021-01-04,,,,all\n0611111111,,,,,all\n", encoding="utf-8")
    argv = ("consent", "import", str(source), "--advertiser", "acme", "--channel", "web")
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "2 invalid rows, nothing imported: line 5" in err
    assert not db.exists() or count(db, "consent") == 0
    code, _, err = run(capsys, *argv, "--skip-invalid")
    assert code == 0
    assert "imported 2 consents" in err and "2 invalid rows skipped" in err


def test_export_lists_consents_and_the_withdrawals_an_objection_wrote(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = add(capsys, *VERIFIED)
    code, _, err = run(
        capsys, "optout", "add", NUMBER, "--advertiser", "acme", "--kind", "recht_van_verzet"
    )
    assert code == 0, err
    code, out, _ = run(capsys, "consent", "export")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["kind"], r["withdraws"]) for r in rows] == [
        ("consent", ""),
        ("withdrawal", row["id"]),
    ]
    assert rows[1]["reason"].startswith("recht_van_verzet:")
    code, answer = may_call(capsys)
    said = [r["code"] for r in answer["reasons"] if r["code"] not in OUTSIDE_HOURS]  # now's hours
    assert (code, said) == (1, ["recht_van_verzet", "consent_withdrawn"])
