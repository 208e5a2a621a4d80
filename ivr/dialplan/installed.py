"""Can the applications on the hand-off paths run on this Asterisk?

Given its configuration folder: ``app_queue`` declines to load without ``queues.conf``
(then ``Queue()`` does not exist and the call ends there), and a ``Queue(x)`` needs a
queue ``[x]`` in it; ``app_amd`` declines to load without ``amd.conf``.  Either is a
dead end on the path that should reach a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ivr.dialplan.apps import has_variable, split_args
from ivr.dialplan.checker import ReachedApp
from ivr.dialplan.conffile import read_config
from ivr.dialplan.model import Where


@dataclass(frozen=True)
class AppProblem:
    where: Where
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def app_problems(apps: Sequence[ReachedApp], etc: Path) -> list[AppProblem]:
    """One problem per application that cannot run with the files in ``etc``."""
    problems: list[AppProblem] = []
    queues: set[str] | None = None
    for reached in apps:
        name = reached.app.lower()
        if name == "queue":
            queue = split_args(reached.data)[0].strip()
            if not queue or has_variable(queue):
                continue
            if queues is None:
                queues = defined_queues(etc)
            message = _queue_problem(queue, queues, etc)
        elif name == "amd":
            message = (
                None
                if (etc / "amd.conf").is_file()
                else (f"AMD() cannot run: no amd.conf in {etc} (app_amd does not load without it)")
            )
        else:
            continue
        if message is not None:
            problems.append(AppProblem(reached.where, message))
    return problems


def defined_queues(etc: Path) -> set[str]:
    """The queues of ``etc/queues.conf`` (empty when the file is missing)."""
    path = etc / "queues.conf"
    if not path.is_file():
        return set()
    config = read_config([path])
    return {c.name for c in config.categories if c.name != "general" and not c.template}


def _queue_problem(queue: str, queues: set[str], etc: Path) -> str | None:
    if not (etc / "queues.conf").is_file():
        return (
            f"Queue({queue}) cannot run: no queues.conf in {etc} "
            "(app_queue does not load without it)"
        )
    if queue not in queues:
        return f"Queue({queue}) cannot run: no queue [{queue}] in {etc / 'queues.conf'}"
    return None
