"""Extension names and patterns (``_X.``, ``_NXX``, ``_[0-9]!``) as Asterisk matches them."""

from __future__ import annotations

import re
from functools import lru_cache

_CLASSES = {"X": "0123456789", "Z": "123456789", "N": "23456789"}
_ONE_OR_MORE = (1 << 20, 0)
_ZERO_OR_MORE = (1 << 21, 0)


def is_pattern(name: str) -> bool:
    return name.startswith("_")


def matches(extension: str, dialed: str) -> bool:
    """Whether the extension named ``extension`` answers when ``dialed`` is dialed.

    ``dialed`` may itself be a pattern name: the checker walks a pattern
    extension without knowing the digits, and then only that extension answers.
    """
    if is_pattern(dialed):
        return extension == dialed
    if not is_pattern(extension):
        return extension == dialed
    compiled = _compile(extension)
    return compiled is not None and compiled.fullmatch(dialed) is not None


def specificity(extension: str) -> tuple[tuple[int, int], ...]:
    """Asterisk's order among matching extensions: the fewest possibilities first."""
    if not is_pattern(extension):
        return ((0, 0),)
    weights: list[tuple[int, int]] = []
    for element in _elements(extension[1:]):
        if element == ".":
            weights.append(_ONE_OR_MORE)
        elif element == "!":
            weights.append(_ZERO_OR_MORE)
        else:
            chars = _chars(element)
            weights.append((len(chars), min((ord(c) for c in chars), default=0)))
    return tuple(weights)


def _elements(body: str) -> list[str]:
    elements: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "[":
            end = body.find("]", index + 1)
            if end < 0:
                elements.append(body[index:])
                break
            elements.append(body[index : end + 1])
            index = end + 1
            continue
        if char != "-":
            elements.append(char)
        index += 1
    return elements


def _chars(element: str) -> str:
    upper = element.upper()
    if upper in _CLASSES:
        return _CLASSES[upper]
    if not element.startswith("["):
        return element
    inside = element[1:].rstrip("]")
    chars: list[str] = []
    index = 0
    while index < len(inside):
        if index + 2 < len(inside) and inside[index + 1] == "-":
            low, high = ord(inside[index]), ord(inside[index + 2])
            high = min(high, low + 255)
            chars.extend(chr(code) for code in range(low, high + 1))
            index += 3
        else:
            chars.append(inside[index])
            index += 1
    return "".join(sorted(set(chars)))


@lru_cache(maxsize=1024)
def _compile(extension: str) -> re.Pattern[str] | None:
    parts: list[str] = []
    for element in _elements(extension[1:]):
        if element == ".":
            parts.append(".+")
        elif element == "!":
            parts.append(".*")
        else:
            chars = _chars(element)
            if not chars:
                return None
            parts.append("[" + "".join(re.escape(c) for c in chars) + "]")
    return re.compile("".join(parts), re.DOTALL)
