"""Every way a call handed to the IVR can end up on voicemail (docs/call-flow.md).

The hand-off contexts are those that run ``Stasis(<app>…)`` (or the ones named).
From each of their extensions the checker walks every path a call can take:
priorities in order (also after ``Stasis()`` and ``Dial()`` fail, which fall
through), labels, ``Goto``, both branches of ``GotoIf``/``GotoIfTime``,
``Gosub``/``GosubIf`` and back after ``Return``, ``ExecIf``/``Exec``, the
``Local/exten@context`` legs of ``Dial``, ``include =>`` and pattern extensions,
and the keys a caller may press in ``BackGround``/``WaitExten``.  It reports
each ``VoiceMail()``/``VoiceMailMain()`` and each jump to a voicemail target it
reaches, and every jump it cannot follow (a variable target, a context that is not
in the files), since either can hide a way to voicemail.  It also lists the
applications each path runs, so that the caller can ask whether they can run on
that Asterisk (a ``Queue()`` without its queue, ``AMD()`` without ``amd.conf``).
Voicemail that no hand-off reaches is none of its business.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ivr.dialplan.apps import (
    branches,
    has_variable,
    inner_app,
    jump_target,
    local_legs,
    split_args,
    substitute,
)
from ivr.dialplan.model import Context, Dialplan, DialplanWarning, Extension, Priority, Where
from ivr.dialplan.patterns import is_pattern, matches, specificity
from ivr.rules.voicemail import DEFAULT_VOICEMAIL_TARGETS, is_voicemail_target

DEFAULT_APP = "optout"
MAX_GOSUB_DEPTH = 20
VOICEMAIL_APPS = ("voicemail", "voicemailmain")
KEYED_APPS = ("background", "waitexten")


class UnknownContextError(Exception):
    """``--context`` names a context that is not in the files."""


@dataclass(frozen=True)
class Location:
    """Where a channel is: its context (which stays put through ``include =>``)."""

    context: str
    exten: str
    priority: int


@dataclass(frozen=True)
class _State:
    location: Location
    returns: tuple[Location, ...] = ()


@dataclass(frozen=True)
class _Edge:
    step: str | None
    to: _State | None = None
    voicemail: Where | None = None


@dataclass(frozen=True)
class VoicemailPath:
    where: Where
    context: str
    exten: str
    steps: tuple[str, ...]

    def __str__(self) -> str:
        via = " -> ".join(self.steps)
        return f"{self.where}: voicemail reachable from {self.context},{self.exten} via {via}"


@dataclass(frozen=True)
class UnfollowableJump:
    """A jump on a path from a hand-off whose target the checker cannot know."""

    where: Where
    target: str
    context: str
    exten: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.where}: cannot follow jump to {self.target} from "
            f"{self.context},{self.exten} ({self.reason})"
        )

    def as_warning(self) -> DialplanWarning:
        return DialplanWarning(self.where, f"cannot follow jump to {self.target}: {self.reason}")


@dataclass(frozen=True)
class ReachedApp:
    """An application that runs on a path from a hand-off."""

    where: Where
    app: str
    data: str


@dataclass
class CheckReport:
    handoffs: list[str]
    paths: list[VoicemailPath] = field(default_factory=list)
    warnings: list[DialplanWarning] = field(default_factory=list)
    jumps: list[UnfollowableJump] = field(default_factory=list)
    apps: list[ReachedApp] = field(default_factory=list)

    @property
    def voicemail_reachable(self) -> bool:
        return bool(self.paths)


def handoff_contexts(dialplan: Dialplan, app: str = DEFAULT_APP) -> list[str]:
    """The contexts with an extension that runs ``Stasis(app…)``."""
    found: list[str] = []
    for context in dialplan.contexts.values():
        if any(
            priority.is_app("stasis") and split_args(priority.data)[0] == app
            for extension in context.extensions.values()
            for priority in extension.priorities.values()
        ):
            found.append(context.name)
    return found


def check(
    dialplan: Dialplan,
    *,
    app: str = DEFAULT_APP,
    contexts: Sequence[str] = (),
    voicemail_targets: Sequence[str] = DEFAULT_VOICEMAIL_TARGETS,
) -> CheckReport:
    for name in contexts:
        if name not in dialplan.contexts:
            raise UnknownContextError(f"no context [{name}] in the dialplan")
    handoffs = list(contexts) or handoff_contexts(dialplan, app)
    walker = _Walker(dialplan, voicemail_targets)
    report = CheckReport(handoffs=handoffs)
    for name in handoffs:
        for extension in dialplan.contexts[name].extensions.values():
            if 1 in extension.priorities:
                report.paths.extend(walker.walk(name, extension.name))
    report.warnings = [*dialplan.warnings, *walker.warnings]
    report.jumps = list(walker.jumps.values())
    report.apps = list(walker.apps.values())
    return report


class _Resolver:
    """Which priority runs at a location: the context first, then its includes."""

    def __init__(self, dialplan: Dialplan) -> None:
        self.dialplan = dialplan
        self.missing: list[DialplanWarning] = []
        self._reported: set[Where] = set()

    def find(self, location: Location) -> tuple[Context, Extension, Priority] | None:
        for context, extension in self._matching(location.context, location.exten):
            priority = extension.priorities.get(location.priority)
            if priority is not None:
                return context, extension, priority
        return None

    def exists(self, context: str, exten: str) -> bool:
        return next(iter(self._matching(context, exten)), None) is not None

    def label(self, context: str, exten: str, label: str) -> int | None:
        for _, extension in self._matching(context, exten):
            priority = extension.by_label(label)
            if priority is not None:
                return priority.number
        return None

    def dialable(self, context: str) -> list[str]:
        names: list[str] = []
        for searched in self._search_order(context):
            names.extend(name for name in searched.extensions if name not in names)
        return names

    def _matching(self, context: str, exten: str) -> Iterator[tuple[Context, Extension]]:
        for searched in self._search_order(context):
            candidates = [ext for ext in searched.extensions.values() if matches(ext.name, exten)]
            candidates.sort(key=lambda ext: (is_pattern(ext.name), specificity(ext.name)))
            for extension in candidates:
                yield searched, extension

    def _search_order(self, name: str) -> list[Context]:
        order: list[Context] = []
        seen: set[str] = set()

        def visit(current: str) -> None:
            if current in seen:
                return
            seen.add(current)
            context = self.dialplan.contexts.get(current)
            if context is None:
                return
            order.append(context)
            for include in context.includes:
                if include.context not in self.dialplan.contexts:
                    self._missing_include(include.where, include.context)
                visit(include.context)

        visit(name)
        return order

    def _missing_include(self, where: Where, name: str) -> None:
        if where not in self._reported:
            self._reported.add(where)
            message = f"include => {name}: no such context in these files, not followed"
            self.missing.append(DialplanWarning(where, message))


class _Walker:
    def __init__(self, dialplan: Dialplan, voicemail_targets: Sequence[str]) -> None:
        self.dialplan = dialplan
        self.targets = voicemail_targets
        self.resolver = _Resolver(dialplan)
        self._warnings: dict[tuple[Where, str], DialplanWarning] = {}
        self.jumps: dict[tuple[Where, str], UnfollowableJump] = {}
        self.apps: dict[tuple[Where, str, str], ReachedApp] = {}
        self._origin = ("", "")

    @property
    def warnings(self) -> list[DialplanWarning]:
        return [*self.resolver.missing, *self._warnings.values()]

    def walk(self, context: str, exten: str) -> list[VoicemailPath]:
        """Breadth first, so each voicemail is reported with its shortest path."""
        self._origin = (context, exten)
        start = _State(Location(context, exten, 1))
        came_from: dict[_State, tuple[_State | None, str | None]] = {start: (None, None)}
        queue = deque([start])
        found: dict[tuple[Where, str | None], VoicemailPath] = {}
        while queue:
            state = queue.popleft()
            resolved = self.resolver.find(state.location)
            if resolved is None:
                continue
            for edge in self._edges(state, *resolved):
                if edge.voicemail is not None:
                    key = (edge.voicemail, edge.step)
                    if key not in found:
                        steps = (*self._steps(came_from, state), edge.step or "")
                        found[key] = VoicemailPath(edge.voicemail, context, exten, steps)
                elif edge.to is not None and edge.to not in came_from:
                    came_from[edge.to] = (state, edge.step)
                    queue.append(edge.to)
        return list(found.values())

    @staticmethod
    def _steps(
        came_from: dict[_State, tuple[_State | None, str | None]], state: _State
    ) -> list[str]:
        steps: list[str] = []
        current: _State | None = state
        while current is not None:
            previous, step = came_from[current]
            if step is not None:
                steps.append(step)
            current = previous
        return steps[::-1]

    def _warn(self, where: Where, message: str) -> None:
        self._warnings.setdefault((where, message), DialplanWarning(where, message))

    def _cannot_follow(self, where: Where, target: str, reason: str) -> None:
        """Reported once per jump, with the first hand-off that reaches it."""
        context, exten = self._origin
        self.jumps.setdefault(
            (where, target), UnfollowableJump(where, target, context, exten, reason)
        )

    def _edges(
        self, state: _State, context: Context, extension: Extension, priority: Priority
    ) -> list[_Edge]:
        here = f"{context.name},{extension.name},{priority.number}"
        return self._run(state, priority, priority.app, priority.data, here)

    def _run(
        self, state: _State, priority: Priority, app: str, data: str, here: str
    ) -> list[_Edge]:
        name = app.lower()
        location = state.location
        following = _State(
            Location(location.context, location.exten, priority.number + 1), state.returns
        )
        shown = f"{here} {app}({data})"
        self.apps.setdefault((priority.where, name, data), ReachedApp(priority.where, app, data))
        if name in VOICEMAIL_APPS:
            return [_Edge(shown, voicemail=priority.where), _Edge(None, to=following)]
        if name == "hangup":
            return []
        if name == "amd":
            self._warn(
                priority.where, "AMD() after the hand-off takes a silent listener for a machine"
            )
        if name == "return":
            if not state.returns:
                return []
            back = _State(state.returns[-1], state.returns[:-1])
            return [_Edge(f"{here} Return", to=back)]
        if name == "goto":
            return self._jump(state, priority, data, shown)
        if name in ("gotoif", "gotoiftime", "gosubif"):
            return self._branches(state, priority, app, data, here, following)
        if name == "gosub":
            return self._jump(state, priority, data, shown, push=following.location)
        if name == "dial":
            edges = [
                *self._local_legs(state, priority, data, here),
                _Edge(f"{here} {app}() returns", to=following),
            ]
            return edges
        if name == "stasis":
            first = split_args(data)[0]
            return [_Edge(f"{here} {app}({first}) fails", to=following)]
        if name == "execif":
            return self._exec_if(state, priority, data, here, following)
        if name == "exec":
            inner, inner_data = inner_app(data)
            return self._run(state, priority, inner, inner_data, here) if inner else []
        if name in KEYED_APPS:
            return [*self._keys(state, app, here), _Edge(None, to=following)]
        return [_Edge(None, to=following)]

    def _branches(
        self, state: _State, priority: Priority, app: str, data: str, here: str, following: _State
    ) -> list[_Edge]:
        parsed = branches(data)
        if parsed is None:
            self._warn(priority.where, f"cannot read {app}({data}): no '?'")
            return [_Edge(None, to=following)]
        push = following.location if app.lower() == "gosubif" else None
        edges: list[_Edge] = []
        for outcome, target in (("true", parsed.if_true), ("false", parsed.if_false)):
            if not target:
                edges.append(_Edge(f"{here} {app} {outcome}: next", to=following))
            else:
                shown = f"{here} {app} {outcome}: {target}"
                edges.extend(self._jump(state, priority, target, shown, push=push))
        return edges

    def _exec_if(
        self, state: _State, priority: Priority, data: str, here: str, following: _State
    ) -> list[_Edge]:
        parsed = branches(data)
        if parsed is None:
            return [_Edge(None, to=following)]
        edges: list[_Edge] = []
        for text in (parsed.if_true, parsed.if_false):
            inner, inner_data = inner_app(text or "")
            if inner:
                edges.extend(self._run(state, priority, inner, inner_data, f"{here} ExecIf"))
        if not parsed.if_false:
            edges.append(_Edge(None, to=following))
        return edges

    def _local_legs(self, state: _State, priority: Priority, data: str, here: str) -> list[_Edge]:
        edges: list[_Edge] = []
        for leg in local_legs(data):
            target = f"{leg.context},{leg.exten},1"
            shown = f"{here} Dial(Local/{leg.exten}@{leg.context})"
            edges.extend(self._jump(state, priority, target, shown, fresh=True))
        return edges

    def _keys(self, state: _State, app: str, here: str) -> list[_Edge]:
        location = state.location
        return [
            _Edge(
                f"{here} {app}: caller keys {name}",
                to=_State(Location(location.context, name, 1), state.returns),
            )
            for name in self.resolver.dialable(location.context)
            if name != "h"
        ]

    def _jump(
        self,
        state: _State,
        priority: Priority,
        text: str,
        shown: str,
        *,
        push: Location | None = None,
        fresh: bool = False,
    ) -> list[_Edge]:
        what = shown.split(" ", 1)[1]
        target = jump_target(text)
        if target is None:
            self._cannot_follow(priority.where, text, "unreadable target")
            return []
        here = state.location
        known = {"CONTEXT": here.context}
        if not is_pattern(here.exten):
            known["EXTEN"] = here.exten
        context = substitute(target.context or here.context, known)
        exten = substitute(target.exten or here.exten, known)
        label = substitute(target.priority, known)
        if not has_variable(context):
            checked_exten = None if has_variable(exten) else exten
            if is_voicemail_target(context, checked_exten, self.targets):
                return [_Edge(f"{shown} (voicemail target)", voicemail=priority.where)]
        if has_variable(context) or has_variable(exten) or has_variable(label):
            self._cannot_follow(priority.where, text, "the target depends on a variable")
            return []
        if context not in self.dialplan.contexts:
            self._cannot_follow(priority.where, text, f"no context [{context}] in the files")
            return []
        if not self.resolver.exists(context, exten):
            if not self.resolver.exists(context, "i"):
                return []
            exten, label = "i", "1"
        number = self._priority_number(context, exten, label)
        if number is None:
            self._cannot_follow(priority.where, text, f"no priority or label {label!r}")
            return []
        returns: tuple[Location, ...] = () if fresh else state.returns
        if push is not None:
            if len(returns) >= MAX_GOSUB_DEPTH:
                self._warn(priority.where, f"{what}: Gosub nested too deep, not followed")
                return []
            returns = (*returns, push)
        return [_Edge(shown, to=_State(Location(context, exten, number), returns))]

    def _priority_number(self, context: str, exten: str, label: str) -> int | None:
        if label.isascii() and label.isdigit() and len(label) <= 9:
            return int(label)
        return self.resolver.label(context, exten, label)
