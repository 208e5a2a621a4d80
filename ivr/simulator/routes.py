"""The ARI resource tree of Asterisk 22.10.1 (from its ``api-docs``), for routing.

Asterisk answers an unknown path with 404 ``Resource not found`` and a known path
with the wrong method with 405 ``Invalid method`` and an ``Allow`` header; a literal
path segment wins over a ``{parameter}`` (``/channels/create`` is not a channel id).
"""

from __future__ import annotations

from dataclasses import dataclass

SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "/asterisk/config/dynamic/{configClass}/{objectType}/{id}": ("GET", "PUT", "DELETE"),
    "/asterisk/info": ("GET",),
    "/asterisk/ping": ("GET",),
    "/asterisk/modules": ("GET",),
    "/asterisk/modules/{moduleName}": ("GET", "POST", "PUT", "DELETE"),
    "/asterisk/logging": ("GET",),
    "/asterisk/logging/{logChannelName}": ("POST", "DELETE"),
    "/asterisk/logging/{logChannelName}/rotate": ("PUT",),
    "/asterisk/variable": ("GET", "POST"),
    "/endpoints": ("GET",),
    "/endpoints/sendMessage": ("PUT",),
    "/endpoints/refer": ("POST",),
    "/endpoints/{tech}": ("GET",),
    "/endpoints/{tech}/{resource}": ("GET",),
    "/endpoints/{tech}/{resource}/sendMessage": ("PUT",),
    "/endpoints/{tech}/{resource}/refer": ("POST",),
    "/channels": ("GET", "POST"),
    "/channels/create": ("POST",),
    "/channels/{channelId}": ("GET", "POST", "DELETE"),
    "/channels/{channelId}/continue": ("POST",),
    "/channels/{channelId}/move": ("POST",),
    "/channels/{channelId}/redirect": ("POST",),
    "/channels/{channelId}/answer": ("POST",),
    "/channels/{channelId}/ring": ("POST", "DELETE"),
    "/channels/{channelId}/progress": ("POST",),
    "/channels/{channelId}/dtmf": ("POST",),
    "/channels/{channelId}/mute": ("POST", "DELETE"),
    "/channels/{channelId}/hold": ("POST", "DELETE"),
    "/channels/{channelId}/moh": ("POST", "DELETE"),
    "/channels/{channelId}/silence": ("POST", "DELETE"),
    "/channels/{channelId}/play": ("POST",),
    "/channels/{channelId}/play/{playbackId}": ("POST",),
    "/channels/{channelId}/record": ("POST",),
    "/channels/{channelId}/variable": ("GET", "POST"),
    "/channels/{channelId}/variables": ("GET", "POST"),
    "/channels/{channelId}/snoop": ("POST",),
    "/channels/{channelId}/snoop/{snoopId}": ("POST",),
    "/channels/{channelId}/dial": ("POST",),
    "/channels/{channelId}/rtp_statistics": ("GET",),
    "/channels/externalMedia": ("POST",),
    "/channels/{channelId}/transfer_progress": ("POST",),
    "/bridges": ("GET", "POST"),
    "/bridges/{bridgeId}": ("GET", "POST", "DELETE"),
    "/bridges/{bridgeId}/variable": ("GET", "POST"),
    "/bridges/{bridgeId}/variables": ("GET", "POST"),
    "/bridges/{bridgeId}/addChannel": ("POST",),
    "/bridges/{bridgeId}/removeChannel": ("POST",),
    "/bridges/{bridgeId}/videoSource/{channelId}": ("POST",),
    "/bridges/{bridgeId}/videoSource": ("DELETE",),
    "/bridges/{bridgeId}/moh": ("POST", "DELETE"),
    "/bridges/{bridgeId}/play": ("POST",),
    "/bridges/{bridgeId}/play/{playbackId}": ("POST",),
    "/bridges/{bridgeId}/record": ("POST",),
    "/recordings/stored": ("GET",),
    "/recordings/stored/{recordingName}": ("GET", "DELETE"),
    "/recordings/stored/{recordingName}/file": ("GET",),
    "/recordings/stored/{recordingName}/copy": ("POST",),
    "/recordings/live/{recordingName}": ("GET", "DELETE"),
    "/recordings/live/{recordingName}/stop": ("POST",),
    "/recordings/live/{recordingName}/pause": ("POST", "DELETE"),
    "/recordings/live/{recordingName}/mute": ("POST", "DELETE"),
    "/sounds": ("GET",),
    "/sounds/{soundId}": ("GET",),
    "/playbacks/{playbackId}": ("GET", "DELETE"),
    "/playbacks/{playbackId}/control": ("POST",),
    "/deviceStates": ("GET",),
    "/deviceStates/{deviceName}": ("GET", "PUT", "DELETE"),
    "/mailboxes": ("GET",),
    "/mailboxes/{mailboxName}": ("GET", "PUT", "DELETE"),
    "/events": ("GET",),
    "/events/user/{eventName}": ("POST",),
    "/events/claim": ("POST",),
    "/applications": ("GET",),
    "/applications/{applicationName}": ("GET",),
    "/applications/{applicationName}/subscription": ("POST", "DELETE"),
    "/applications/{applicationName}/eventFilter": ("PUT",),
}


@dataclass(frozen=True, slots=True)
class Route:
    template: str
    methods: tuple[str, ...]
    segments: tuple[str, ...]

    @property
    def allow(self) -> str:
        return ",".join(("OPTIONS", *self.methods))

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        found: dict[str, str] = {}
        for segment, part in zip(self.segments, parts, strict=True):
            if segment.startswith("{"):
                if not part:
                    return None
                found[segment[1:-1]] = part
            elif segment != part:
                return None
        return found

    @property
    def literal_count(self) -> int:
        return sum(1 for segment in self.segments if not segment.startswith("{"))


ROUTES = tuple(
    Route(path, methods, tuple(path.strip("/").split("/"))) for path, methods in SPEC_PATHS.items()
)


def resolve(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for ``path`` (below ``/ari``) and its path parameters, or None."""
    parts = path.strip("/").split("/")
    best: tuple[Route, dict[str, str]] | None = None
    for route in ROUTES:
        found = route.match(parts)
        if found is not None and (best is None or route.literal_count > best[0].literal_count):
            best = (route, found)
    return best
