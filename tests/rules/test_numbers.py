from hypothesis import given
from hypothesis import strategies as st

from ivr.rules.numbers import national_digits, normalize


def test_dutch_forms_all_match() -> None:
    forms = ["0612345678", "+31612345678", "0031612345678", "06-12 34 56 78", "+31 6 1234 5678"]
    assert {normalize(form) for form in forms} == {"+31612345678"}


def test_landline_and_invalid() -> None:
    assert normalize("020 123 4567") == "+31201234567"
    assert normalize("anonymous") is None
    assert normalize("") is None
    assert normalize("12") is None
    assert normalize("9" * 200) is None


def test_national_digits() -> None:
    assert national_digits("+31612345678") == "0612345678"
    assert national_digits("+4915112345678") == "004915112345678"


@given(st.text(max_size=60))
def test_normalize_never_raises_and_is_idempotent(raw: str) -> None:
    result = normalize(raw)
    if result is not None:
        assert result.startswith("+")
        assert normalize(result) == result
