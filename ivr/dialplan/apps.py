"""What the dialplan applications that move a call say, read from their arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = "([{"
_CLOSE = ")]}"
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class Target:
    """``[[context,]exten,]priority`` of Goto/Gosub; ``None`` keeps the current one."""

    context: str | None
    exten: str | None
    priority: str

    def __str__(self) -> str:
        return ",".join(part for part in (self.context, self.exten, self.priority) if part)


@dataclass(frozen=True)
class Branches:
    """``condition?iftrue:iffalse`` of GotoIf, GosubIf, GotoIfTime and ExecIf."""

    if_true: str
    if_false: str | None


@dataclass(frozen=True)
class LocalLeg:
    exten: str
    context: str


def split_args(data: str) -> list[str]:
    """Split at commas outside brackets and quotes, as ``ast_app_separate_args`` does."""
    args: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    escaped = False
    for char in data:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            quoted = not quoted
            current.append(char)
        elif quoted:
            current.append(char)
        elif char in _OPEN:
            depth += 1
            current.append(char)
        elif char in _CLOSE:
            depth = max(0, depth - 1)
            current.append(char)
        elif char == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    args.append("".join(current).strip())
    return args


def _top_level(text: str, wanted: str) -> int:
    depth = 0
    for index, char in enumerate(text):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        elif char == wanted and depth == 0:
            return index
    return -1


def branches(data: str) -> Branches | None:
    question = _top_level(data, "?")
    if question < 0:
        return None
    rest = data[question + 1 :]
    colon = _top_level(rest, ":")
    if colon < 0:
        return Branches(rest.strip(), None)
    return Branches(rest[:colon].strip(), rest[colon + 1 :].strip())


def jump_target(text: str) -> Target | None:
    """Goto's or Gosub's location; Gosub's ``(args)`` after the priority are dropped."""
    parts = split_args(text)
    if not parts or len(parts) > 3:
        return None
    last = parts[-1]
    paren = last.find("(")
    if paren >= 0:
        parts[-1] = last[:paren].strip()
    if not parts[-1]:
        return None
    if len(parts) == 1:
        return Target(None, None, parts[0])
    if len(parts) == 2:
        return Target(None, parts[0], parts[1])
    return Target(parts[0], parts[1], parts[2])


def inner_app(text: str) -> tuple[str, str]:
    """``App(args)`` as ExecIf and Exec take it."""
    paren = text.find("(")
    if paren < 0:
        return text.strip(), ""
    close = text.rfind(")")
    end = close if close > paren else len(text)
    return text[:paren].strip(), text[paren + 1 : end]


def local_legs(data: str) -> list[LocalLeg]:
    """The ``Local/exten@context`` channels among Dial's first argument."""
    legs: list[LocalLeg] = []
    first = split_args(data)[0]
    for device in first.split("&"):
        tech, _, resource = device.strip().partition("/")
        if tech.lower() != "local" or not resource:
            continue
        resource = resource.split("/", 1)[0]
        exten, _, context = resource.partition("@")
        legs.append(LocalLeg(exten.strip(), context.strip() or "default"))
    return legs


def has_variable(text: str) -> bool:
    return "${" in text or "$[" in text


def substitute(text: str, known: dict[str, str]) -> str:
    """Replace ``${NAME}`` where the value is known; leave everything else as it is."""
    return _VARIABLE.sub(lambda match: known.get(match.group(1), match.group(0)), text)
