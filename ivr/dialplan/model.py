"""A parsed dialplan: contexts → extensions → priorities, each with its file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Where:
    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Priority:
    number: int
    label: str | None
    app: str
    data: str
    where: Where

    def is_app(self, *names: str) -> bool:
        return self.app.lower() in {name.lower() for name in names}


@dataclass
class Extension:
    name: str
    priorities: dict[int, Priority] = field(default_factory=dict)

    def by_label(self, label: str) -> Priority | None:
        for priority in self.priorities.values():
            if priority.label == label:
                return priority
        return None


@dataclass(frozen=True)
class Include:
    context: str
    where: Where


@dataclass
class Context:
    name: str
    where: Where
    extensions: dict[str, Extension] = field(default_factory=dict)
    includes: list[Include] = field(default_factory=list)


@dataclass(frozen=True)
class DialplanWarning:
    """Something Asterisk only warns about, or a jump the checker cannot follow."""

    where: Where
    message: str

    def __str__(self) -> str:
        return f"{self.where}: warning: {self.message}"


@dataclass
class Dialplan:
    contexts: dict[str, Context] = field(default_factory=dict)
    globals: dict[str, str] = field(default_factory=dict)
    warnings: list[DialplanWarning] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
