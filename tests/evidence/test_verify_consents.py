"""``ivr evidence verify`` recomputes the consents chain as it does the opt-outs chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivr.cli import main

from .conftest import mismatches, rows, run, tamper, verify


def add_consents(capsys: pytest.CaptureFixture[str]) -> list[str]:
    ids = []
    for number in ("0612345678", "0687654321"):
        code = main(
            ["consent", "add", number, "--advertiser", "acme", "--channel", "web",
             "--obtained-at", "2026-01-05T10:00:00+01:00"]
        )  # fmt: skip
        out, err = capsys.readouterr()
        assert code == 0, err
        ids.append(json.loads(out)["id"])
    return ids


def test_consents_verify_clean_and_an_altered_one_is_found(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = add_consents(capsys)
    code, findings, summary = verify(capsys)
    assert (code, summary["consents"]) == (0, 2)
    assert mismatches(findings) == set()

    tamper(copy, "UPDATE consents SET proof_ref = 'forged' WHERE id = ?", params=(first,))
    code, findings, _ = verify(capsys)
    assert code == 1
    assert mismatches(findings) == {("altered", "consents", first)}


def test_a_consent_changed_after_a_checkpoint_unproves_the_checkpoint(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = add_consents(capsys)
    code, (checkpoint,) = run(capsys, "evidence", "checkpoint")
    assert (code, checkpoint["consents_seq"]) == (0, 2)

    tamper(copy, "UPDATE consents SET proof_ref = 'forged' WHERE id = ?", params=(first,))
    code, findings, _ = verify(capsys)

    assert code == 1
    assert mismatches(findings) == {
        ("altered", "consents", first),
        ("altered", "evidence_checkpoints", f"seq {checkpoint['seq']}"),  # its consents head
    }
    assert {
        "kind": "altered",
        "table": "evidence_checkpoints",
        "id": f"seq {checkpoint['seq']}",
        "detail": "consents up to chain_seq 2 differ",
    } in findings


def test_a_deleted_consent_is_missing(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, last = add_consents(capsys)
    tamper(copy, "DELETE FROM consents WHERE id = ?", params=(last,))
    code, findings, _ = verify(capsys)
    assert code == 1
    assert {(kind, table) for kind, table, _ in mismatches(findings)} == {("missing", "consents")}
    assert rows(copy, "SELECT count(*) FROM consents")[0][0] == 1
