"""extensions.conf → contexts, extensions and priorities, the way ``pbx_config`` builds them.

``exten => name,priority[(label)],App(args)`` and ``same => priority,App(args)``;
priorities are numbers, ``n``/``next`` (one more than the line before in this
context), ``s``/``same`` (the same as the line before) or a label, with an
optional ``+offset``; ``hint`` lines are no priorities.  ``include => ctx``
(time conditions after a comma are dropped).  ``[general]`` and ``[globals]``
are no contexts.  What Asterisk only warns about becomes a warning; what makes
Asterisk refuse the file is a :class:`DialplanParseError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ivr.dialplan.apps import inner_app, substitute
from ivr.dialplan.conffile import Category, DialplanParseError, Entry, read_config
from ivr.dialplan.model import Context, Dialplan, DialplanWarning, Extension, Include, Priority

__all__ = ["DialplanParseError", "parse_files"]

_NOT_CONTEXTS = {"general", "globals"}
_SWITCHES = {"switch", "lswitch", "eswitch"}


def parse_files(paths: Sequence[Path | str]) -> Dialplan:
    """Parse the files as one dialplan (the first is usually ``extensions.conf``)."""
    config = read_config([Path(path) for path in paths])
    dialplan = Dialplan(warnings=list(config.warnings), files=list(config.files))
    for category in config.categories:
        if category.name.lower() == "globals" and not category.template:
            dialplan.globals.update({entry.name: entry.value for entry in category.entries})
    for category in config.categories:
        if not category.template and category.name.lower() not in _NOT_CONTEXTS:
            _ContextBuilder(dialplan, category).build()
    return dialplan


class _ContextBuilder:
    def __init__(self, dialplan: Dialplan, category: Category) -> None:
        self.dialplan = dialplan
        self.category = category
        self.context = dialplan.contexts.setdefault(
            category.name, Context(category.name, category.where)
        )
        self.last_exten: str | None = None
        self.last_priority: int | None = None

    def build(self) -> None:
        for entry in self.category.entries:
            keyword = entry.name.lower()
            if keyword in ("exten", "same"):
                self._priority(entry, same=keyword == "same")
            elif keyword == "include":
                self._include(entry)
            elif keyword in _SWITCHES:
                self._warn(entry, f"{entry.name} => {entry.value} is not followed")
            elif keyword != "ignorepat":
                self._warn(entry, f"unknown keyword {entry.name!r} in a context, ignored")

    def _warn(self, entry: Entry, message: str) -> None:
        self.dialplan.warnings.append(DialplanWarning(entry.where, message))

    def _include(self, entry: Entry) -> None:
        name = substitute(entry.value.split(",", 1)[0].split("|", 1)[0], self.dialplan.globals)
        if name.strip():
            self.context.includes.append(Include(name.strip(), entry.where))

    def _priority(self, entry: Entry, *, same: bool) -> None:
        if same:
            if self.last_exten is None:
                self._warn(entry, "same => without an exten => before it, ignored")
                return
            exten = self.last_exten
            priority_text, _, app_text = entry.value.partition(",")
        else:
            exten, _, rest = entry.value.partition(",")
            priority_text, _, app_text = rest.partition(",")
            exten = substitute(exten, self.dialplan.globals).split("/", 1)[0].strip()
            if not exten:
                self._warn(entry, "exten => without an extension, ignored")
                return
        number, label = self._number(entry, exten, priority_text.strip())
        if number is None:
            return
        if not same:
            self.last_exten = exten
        self.last_priority = number
        app, data = inner_app(app_text.strip())
        extension = self.context.extensions.setdefault(exten, Extension(exten))
        earlier = extension.priorities.get(number)
        if earlier is not None:
            self._warn(entry, f"{exten} priority {number} is already at {earlier.where}, ignored")
            return
        extension.priorities[number] = Priority(number, label, app, data, entry.where)

    def _number(self, entry: Entry, exten: str, text: str) -> tuple[int | None, str | None]:
        label: str | None = None
        if "(" in text:
            text, _, rest = text.partition("(")
            label = rest.split(")", 1)[0].strip() or None
            text = text.strip()
        offset = 0
        if "+" in text:
            text, _, plus = text.partition("+")
            offset = int(plus) if _is_number(plus.strip()) else 0
            text = text.strip()
        if text == "hint":
            return None, None
        if text in ("n", "next", "s", "same"):
            if self.last_priority is None:
                self._warn(entry, f"priority {text!r} on the first line of a context, ignored")
                return None, None
            base = self.last_priority + (1 if text in ("n", "next") else 0)
        elif _is_number(text):
            base = int(text)
        else:
            found = self.context.extensions.get(exten)
            labelled = found.by_label(text) if found else None
            if labelled is None:
                self._warn(entry, f"invalid priority {text!r}, ignored")
                return None, None
            base = labelled.number
        number = base + offset
        if number < 1:
            self._warn(entry, f"invalid priority {number}, ignored")
            return None, None
        return number, label


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 9
