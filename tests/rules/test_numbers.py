import re

import phonenumbers
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


def by_phonenumbers(raw: str, region: str) -> str | None:
    """What ``phonenumbers`` alone reads in ``raw``: the reference for the fast path."""
    compact = re.sub(r"[\s\-./()]", "", raw)
    if len(compact) > 20:
        return None
    try:
        parsed = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


@st.composite
def written_numbers(draw: st.DrawFn) -> str:
    """Numbers as call files write them: a prefix, mostly Dutch-mobile-like digits (now
    and then another script's digits), separators anywhere."""
    prefix = draw(st.sampled_from(["0", "+31", "0031", "", "+", "00", "+3", "031", "+310", "0"]))
    digits = draw(
        st.one_of(
            st.from_regex(r"6[0-9]{8}", fullmatch=True),
            st.text(alphabet="0123456789", min_size=6, max_size=12),
        )
    )
    if draw(st.integers(0, 9)) == 0:
        digits = digits.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    text = ""
    for char in prefix + digits:
        text += draw(st.sampled_from(["", "", "", "", " ", "-", ".", "/", "(", ")", "\t", "\xa0"]))
        text += char
    return text + draw(st.sampled_from(["", "", " ", "-", "x"]))


@given(written_numbers(), st.sampled_from(["NL", "NL", "NL", "BE", "DE", "US"]))
def test_normalize_reads_every_form_as_phonenumbers_does(raw: str, region: str) -> None:
    assert normalize(raw, region) == by_phonenumbers(raw, region)


def test_the_fast_forms_are_read_as_phonenumbers_does() -> None:
    for second in "0123456789":
        for form in ("06{}1234567", "+316{}1234567", "00316{}1234567", "06-{}1 23 45 67"):
            raw = form.format(second)
            assert normalize(raw) == by_phonenumbers(raw, "NL"), raw
