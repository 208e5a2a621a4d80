"""Phone numbers: everything is stored as E.164; default region NL.

A fast path takes the common Dutch forms (06…, +316…, 00316…, with spaces or
dashes) without ``phonenumbers``, so scrubbing a million lines stays fast;
``phonenumbers`` decides everything else.
"""

from __future__ import annotations

import re

import phonenumbers

DEFAULT_REGION = "NL"

_SEPARATORS = re.compile(r"[\s\-./()]")
_DUTCH_MOBILE = re.compile(r"(?:0|\+31|0031)(6[1-9]\d{7})")


def normalize(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form of ``raw`` if it is a valid number, else ``None``."""
    if not raw:
        return None
    compact = _SEPARATORS.sub("", raw)
    if region == DEFAULT_REGION:
        fast = _DUTCH_MOBILE.fullmatch(compact)
        if fast:
            return "+31" + fast.group(1)
    if len(compact) > 20:
        return None
    try:
        parsed = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def national_digits(e164: str) -> str:
    """The digits a Dutch caller knows their number by: ``+31612345678`` → ``0612345678``.

    Numbers from other countries are read back in full international form
    without the plus (``+4915…`` → ``004915…``).
    """
    parsed = phonenumbers.parse(e164, None)
    national = str(phonenumbers.national_significant_number(parsed))
    if parsed.country_code == 31:
        return "0" + national
    return "00" + str(parsed.country_code) + national
