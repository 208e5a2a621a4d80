"""Marks in texts.toml: {offered:RIGHT} and {asked} are measured, not spoken."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.prompts.texts import Mark, PromptText, TextsError, load_texts, parse_text


def test_a_text_without_marks_is_spoken_as_written() -> None:
    assert parse_text("Dank u wel. Tot ziens.") == PromptText("Dank u wel. Tot ziens.")


def test_each_mark_keeps_the_text_before_it_and_is_not_spoken() -> None:
    parsed = parse_text(
        "Eerst dit. {offered:recht_van_verzet} Dan dat. {offered:bel_me_niet} Toets 1."
    )
    assert parsed.spoken == "Eerst dit. Dan dat. Toets 1."
    assert parsed.marks == (
        Mark("recht_van_verzet", "Eerst dit."),
        Mark("bel_me_niet", "Eerst dit. Dan dat."),
    )


def test_the_charities_question_is_marked_with_asked() -> None:
    assert parse_text("Ook goede doelen? {asked} Toets 1.").marks == (
        Mark("asked", "Ook goede doelen?"),
    )


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("A {offered:bel_me_nietje} B", "unknown mark {offered:bel_me_nietje}"),
        ("A {vraag} B", "unknown mark {vraag}"),
        ("A {asked} B {asked}", "appears twice"),
        ("A } B", "not a mark"),
    ],
)
def test_a_wrong_mark_is_refused(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint.replace("{", r"\{").replace("}", r"\}")):
        parse_text(text)


def test_a_wrong_mark_in_a_file_names_the_file_and_the_prompt(tmp_path: Path) -> None:
    texts = tmp_path / "texts.toml"
    texts.write_text('menu = "Toets 1. {offered:rvv}"\n', encoding="utf-8")
    with pytest.raises(TextsError, match=r"texts.toml: menu: unknown mark"):
        load_texts(texts)
