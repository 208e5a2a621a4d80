"""``ivr may-call``: the JSON it prints and its exit codes, against a real store."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ivr.cli import main
from ivr.clock import VirtualClock
from ivr.domain import OptOutKind, OptOutRequest, OptOutSource
from ivr.flow.profile import DEFAULT_PROFILE, load_profile
from ivr.rules.hours import CallingHours
from ivr.rules.reasons import ReasonCode, reason
from ivr.store import Store

NUMBER = "+31612345678"


def reason_of(code: str) -> dict[str, str]:
    return reason(ReasonCode(code)).as_dict()


TUESDAY_NOON = "2026-03-10T12:00:00+01:00"
TUESDAY_HALF_PAST_TEN = "2026-03-10T22:30:00+01:00"
SUNDAY_NOON = "2026-03-15T12:00:00+01:00"


def _request(kind: OptOutKind, advertiser: str = "acme", **fields: Any) -> OptOutRequest:
    return OptOutRequest(
        number=NUMBER,
        advertiser=advertiser,
        kind=kind,
        source=OptOutSource.AGENT,
        created_by="agent:7",
        agent="7",
        **fields,
    )


def _fill(db: Path, *requests: OptOutRequest) -> None:
    async def fill() -> None:
        store = await Store.open(db, VirtualClock(datetime(2026, 1, 5, 10, 0, tzinfo=UTC)))
        try:
            for request in requests:
                await store.record_optout(request)
        finally:
            await store.close()

    asyncio.run(fill())


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty database and a config that knows advertiser ``acme``."""
    monkeypatch.chdir(tmp_path)
    for name in ("IVR_DB", "IVR_PROFILE", "IVR_ADVERTISERS", "IVR_DEFAULT_ADVERTISER"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "ivr.toml"
    config.write_text('[advertisers.acme]\nname = "Acme Energie"\n', encoding="utf-8")
    monkeypatch.setenv("IVR_CONFIG", str(config))
    path = tmp_path / "ivr.sqlite3"
    monkeypatch.setenv("IVR_DB", str(path))
    _fill(path)
    return path


def may_call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["may-call", *argv])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else {}


def test_an_unsuppressed_number_inside_the_hours_exits_zero(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, answer = may_call(capsys, "06-1234 5678", "--advertiser", "acme", "--at", TUESDAY_NOON)
    assert code == 0
    assert answer == {
        "number": NUMBER,
        "advertiser": "acme",
        "profile": "nl-ctm2012",
        "allowed": True,
        "reasons": [reason_of("profile_expired")],  # nl-ctm2012 ended 2021-06-30
    }


def test_a_recht_van_verzet_in_the_store_exits_one(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(db, _request(OptOutKind.RECHT_VAN_VERZET))
    code, answer = may_call(capsys, NUMBER, "--advertiser", "acme", "--at", TUESDAY_NOON)
    assert code == 1
    assert answer["allowed"] is False
    reason, _expired = answer["reasons"]
    assert reason["code"] == "recht_van_verzet"
    assert reason["message"] and reason["message_nl"]


def test_a_registration_counts_by_category(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(db, _request(OptOutKind.BEL_ME_NIET, "globex", scope=("energie",)))
    base = [NUMBER, "--advertiser", "acme", "--at", TUESDAY_NOON]
    assert may_call(capsys, *base, "--category", "energie")[0] == 1
    assert may_call(capsys, *base, "--category", "loterijen")[0] == 0
    code, answer = may_call(capsys, *base, "--category", "energie", "--relation", "customer")
    assert (code, [r["code"] for r in answer["reasons"]]) == (
        0,
        ["exception_customer", "profile_expired"],
    )


def test_sunday_and_the_callback_exception(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, answer = may_call(capsys, NUMBER, "--advertiser", "acme", "--at", SUNDAY_NOON)
    assert (code, [r["code"] for r in answer["reasons"]]) == (1, ["sunday", "profile_expired"])
    code, answer = may_call(
        capsys,
        NUMBER,
        "--advertiser",
        "acme",
        "--at",
        TUESDAY_HALF_PAST_TEN,
        "--relation",
        "callback",
    )
    assert (code, [r["code"] for r in answer["reasons"]]) == (
        0,
        ["exception_callback", "profile_expired"],
    )


def test_an_advertiser_known_only_from_the_store_is_accepted(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(db, _request(OptOutKind.RECHT_VAN_VERZET, "initech"))
    code, answer = may_call(capsys, NUMBER, "--advertiser", "initech", "--at", TUESDAY_NOON)
    assert (code, answer["advertiser"], answer["allowed"]) == (1, "initech", False)


def test_without_at_the_decision_is_for_now(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hours = CallingHours(load_profile(DEFAULT_PROFILE).hours)
    before = [r.code for r in hours.reasons_at(datetime.now(UTC))]
    code, answer = may_call(capsys, NUMBER, "--advertiser", "acme")
    after = [r.code for r in hours.reasons_at(datetime.now(UTC))]
    assert [r["code"] for r in answer["reasons"]] in (
        [*before, "profile_expired"],
        [*after, "profile_expired"],
    )
    assert code == (0 if answer["allowed"] else 1)
    assert answer["allowed"] is (len(answer["reasons"]) == 1)


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["12", "--advertiser", "acme"], "not a valid phone number"),
        ([NUMBER, "--advertiser", "acmee"], "'acmee' is neither configured"),
        ([NUMBER, "--advertiser", "acme", "--at", "dinsdag"], "not an ISO 8601"),
        ([NUMBER, "--advertiser", "acme", "--at", "2026-03-10T12:00"], "has no offset"),
        ([NUMBER, "--advertiser", "acme", "--category", "wijn"], "unknown category 'wijn'"),
    ],
)
def test_bad_input_exits_two_with_one_line(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    assert main(["may-call", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert complaint in captured.err


def test_an_unknown_relation_is_a_usage_error(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["may-call", NUMBER, "--advertiser", "acme", "--relation", "friend"])
    assert exited.value.code == 2


def test_a_missing_database_is_not_read_as_an_empty_list(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.sqlite3"
    code = main(["may-call", NUMBER, "--advertiser", "acme", "--db", str(missing)])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
    assert not missing.exists()


def test_an_unknown_profile_is_a_config_error(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_PROFILE", "nl-1999")
    assert main(["may-call", NUMBER, "--advertiser", "acme"]) == 2
    assert "unknown profile" in capsys.readouterr().err
