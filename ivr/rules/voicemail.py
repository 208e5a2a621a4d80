"""Is a dialplan target a voicemail box? (docs/call-flow.md)

The IVR must never send a caller to voicemail.  Targets are matched against
``IVR_VOICEMAIL_TARGETS``: shell globs (:mod:`fnmatch`), case-insensitive,
over the context and over ``context,extension``.  The service's
``continue``/``redirect`` guard and ``ivr dialplan check`` share these rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

DEFAULT_VOICEMAIL_TARGETS: tuple[str, ...] = ("vm", "vm-*", "*-vm", "*voicemail*")


def matching_glob(candidates: Sequence[str], globs: Sequence[str]) -> str | None:
    """The first glob that matches one of ``candidates`` (case-insensitive), if any."""
    folded = [candidate.casefold() for candidate in candidates]
    for glob in globs:
        pattern = glob.strip().casefold()
        if pattern and any(fnmatchcase(candidate, pattern) for candidate in folded):
            return glob
    return None


def target_candidates(context: str | None, extension: str | None) -> list[str]:
    """What a ``context``/``extension`` pair is matched as.

    Without a context (a ``continue`` that stays in the channel's current
    context) the extension alone is matched, so a refusal errs on the safe side.
    """
    if context:
        return [context, f"{context},{extension}"] if extension else [context]
    return [extension] if extension else []


def is_voicemail_target(
    context: str | None, extension: str | None, globs: Sequence[str] = DEFAULT_VOICEMAIL_TARGETS
) -> bool:
    return matching_glob(target_candidates(context, extension), globs) is not None


def local_endpoint_target(endpoint: str) -> tuple[str, str] | None:
    """``Local/<exten>@<context>[/options]`` → ``(context, exten)``; None for other endpoints."""
    tech, slash, rest = endpoint.partition("/")
    if not slash or tech.casefold() != "local":
        return None
    exten, at, context = rest.rpartition("@")
    if not at:
        return None
    context = context.split("/", 1)[0]
    return context, exten


def endpoint_candidates(endpoint: str) -> list[str]:
    """A ``Local`` endpoint is matched by its context and extension and as a whole."""
    local = local_endpoint_target(endpoint)
    if local is None:
        return [endpoint]
    context, exten = local
    return [*target_candidates(context, exten or None), endpoint]


def is_voicemail_endpoint(endpoint: str, globs: Sequence[str] = DEFAULT_VOICEMAIL_TARGETS) -> bool:
    return matching_glob(endpoint_candidates(endpoint), globs) is not None
