"""Asterisk's configuration file format, read the way ``main/config.c`` reads it.

Comments (``;`` to the end of the line, ``\\;`` for a literal semicolon, nested
``;-- … --;`` blocks), categories (``[name]``, templates ``[name](!)``,
inheritance ``[name](tmpl,…)``, appending ``[name](+)``), ``name = value`` and
``name => value`` lines, and ``#include`` / ``#tryinclude`` with globs.  A
relative include is looked up next to the file that includes it (in an
installed Asterisk that is the config directory, where all these files live).
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from ivr.dialplan.model import DialplanWarning, Where

MAX_INCLUDE_LEVEL = 10


class DialplanParseError(Exception):
    """A file that cannot be read, or that Asterisk itself would refuse to load."""

    def __init__(self, where: Where | Path, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True)
class Entry:
    name: str
    value: str
    where: Where


@dataclass
class Category:
    name: str
    where: Where
    template: bool = False
    entries: list[Entry] = field(default_factory=list)


@dataclass
class ConfigFile:
    categories: list[Category] = field(default_factory=list)
    warnings: list[DialplanWarning] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def find(self, name: str) -> Category | None:
        for category in self.categories:
            if category.name == name:
                return category
        return None


def read_config(paths: list[Path]) -> ConfigFile:
    """Read the files in order as one configuration (as if each were ``#include``d)."""
    config = ConfigFile()
    for path in paths:
        _Reader(config).load_file(path, level=1, current=None)
    return config


@dataclass
class _Comments:
    """The block-comment depth, carried from line to line within one file."""

    depth: int = 0
    opened_at: int = 0

    def strip(self, line: str, lineno: int) -> str:
        kept: list[str] = []
        start: int | None = 0 if self.depth == 0 else None
        cursor = 0
        while (semi := line.find(";", cursor)) >= 0:
            if semi > cursor and line[semi - 1] == "\\":
                line = line[: semi - 1] + line[semi:]
                cursor = semi
            elif line[semi + 1 : semi + 3] == "--" and line[semi + 3 : semi + 4] != "-":
                if start is not None:
                    kept.append(line[start:semi])
                    start = None
                if self.depth == 0:
                    self.opened_at = lineno
                self.depth += 1
                cursor = semi + 3
            elif self.depth > 0 and semi >= cursor + 2 and line[semi - 2 : semi] == "--":
                self.depth -= 1
                cursor = semi + 1
                if self.depth == 0:
                    start = cursor
            elif self.depth == 0:
                if start is not None:
                    kept.append(line[start:semi])
                return "".join(kept)
            else:
                cursor = semi + 1
        if start is not None:
            kept.append(line[start:])
        return "".join(kept)


class _Reader:
    def __init__(self, config: ConfigFile) -> None:
        self.config = config

    def load_file(self, path: Path, level: int, current: Category | None) -> Category | None:
        if level > MAX_INCLUDE_LEVEL:
            raise DialplanParseError(path, f"more than {MAX_INCLUDE_LEVEL} levels of #include")
        text = _read_text(path)
        self.config.files.append(path)
        comments = _Comments()
        for lineno, raw in enumerate(text.split("\n"), start=1):
            line = comments.strip(raw, lineno).strip()
            if line:
                current = self._line(line, Where(path, lineno), level, current)
        if comments.depth:
            self.config.warnings.append(
                DialplanWarning(Where(path, comments.opened_at), "unterminated ;-- comment")
            )
        return current

    def _line(
        self, line: str, where: Where, level: int, current: Category | None
    ) -> Category | None:
        if line.startswith("["):
            return self._category(line, where)
        if line.startswith("#"):
            return self._directive(line, where, level, current)
        if current is None:
            raise DialplanParseError(where, "line outside any [context]")
        self._entry(line, where, current)
        return current

    def _category(self, line: str, where: Where) -> Category:
        close = line.find("]")
        if close < 0:
            raise DialplanParseError(where, "no closing ']'")
        category = Category(name=line[1:close], where=where)
        rest = line[close + 1 :]
        if not rest.startswith("("):
            self.config.categories.append(category)
            return category
        end = rest.find(")")
        if end < 0:
            raise DialplanParseError(where, "no closing ')'")
        appended: Category | None = None
        for option in rest[1:end].split(","):
            if option == "!":
                category.template = True
            elif option.startswith("+"):
                appended = self.config.find(category.name)
                if appended is None:
                    raise DialplanParseError(
                        where, f"[{category.name}](+) but there is no [{category.name}] to add to"
                    )
            else:
                base = self.config.find(option)
                if base is None:
                    raise DialplanParseError(where, f"template [{option}] is not defined above")
                category.entries.extend(base.entries)
        if appended is not None:
            appended.template = appended.template or category.template
            appended.entries.extend(category.entries)
            return appended
        self.config.categories.append(category)
        return category

    def _directive(
        self, line: str, where: Where, level: int, current: Category | None
    ) -> Category | None:
        parts = line[1:].split(None, 1)
        name = parts[0].lower() if parts else ""
        argument = parts[1].strip() if len(parts) > 1 else ""
        if name not in ("include", "tryinclude"):
            what = "#exec is not followed" if name == "exec" else f"unknown directive #{name}"
            self.config.warnings.append(DialplanWarning(where, what))
            return current
        if not argument:
            self.config.warnings.append(DialplanWarning(where, f"#{name} needs a file name"))
            return current
        pattern = _dequote(argument)
        target = Path(pattern)
        if not target.is_absolute():
            target = where.file.parent / target
        matches = _expand(target)
        if not matches and name == "include":
            raise DialplanParseError(where, f"#include {pattern}: no such file")
        for match in matches:
            current = self.load_file(match, level + 1, current)
        return current

    def _entry(self, line: str, where: Where, current: Category) -> None:
        equals = line.find("=")
        if equals < 0:
            self.config.warnings.append(DialplanWarning(where, f"no '=' in {line!r}, ignored"))
            return
        name = line[:equals]
        value = line[equals + 1 :]
        if value.startswith(">"):
            value = value[1:]
        appending = name.endswith("+")
        name = name.rstrip("+").strip() if appending else name.strip()
        if not name:
            self.config.warnings.append(DialplanWarning(where, "no name before '='"))
            return
        value = value.strip()
        if appending:
            for index in range(len(current.entries) - 1, -1, -1):
                earlier = current.entries[index]
                if earlier.name == name:
                    current.entries[index] = Entry(name, earlier.value + value, earlier.where)
                    return
        current.entries.append(Entry(name, value, where))


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DialplanParseError(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _dequote(argument: str) -> str:
    for opening, closing in (('"', '"'), ("<", ">")):
        if len(argument) >= 2 and argument[0] == opening and argument[-1] == closing:
            return argument[1:-1]
    return argument


def _expand(target: Path) -> list[Path]:
    text = str(target)
    if any(char in text for char in "*?["):
        found = [Path(name) for name in sorted(glob.glob(text))]
    else:
        found = [target]
    return [path for path in found if path.is_file()]
