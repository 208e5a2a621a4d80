"""``ivr serve``: the ARI side and the HTTP API on one event loop.

:class:`IvrService` wires the parts together (store, ARI client, event stream,
call router, API) and owns their life cycle; tests run it in-process against
the simulator on the virtual clock, ``ivr serve`` runs it on the loop clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace
from functools import partial
from urllib.parse import urlsplit

import structlog
from aiohttp import web

from ivr.api.app import make_api_app
from ivr.api.auth import is_loopback
from ivr.ari.errors import AriError
from ivr.ari.http import AriClient
from ivr.ari.stream import EventStream
from ivr.clock import Clock
from ivr.config import ConfigError, Settings
from ivr.flow.profile import Profile
from ivr.flow.prompt_facts import PromptFacts
from ivr.flow.router import CallRouter
from ivr.flow.session import SessionContext
from ivr.flow.translate import EVENTS_READ
from ivr.metrics import Metrics
from ivr.prompts.names import ENGLISH, advertiser_prompts, required_prompts
from ivr.prompts.on_asterisk import PromptsMissing, PromptWatch, prompt_media
from ivr.regimes import Regimes
from ivr.store import Store
from ivr.store.lease import LeaseHeld

log = structlog.get_logger(__name__)

DEFAULT_ARI_PASSWORD = "asterisk"  # noqa: S105 - the simulator's, warned about off loopback


def check_prompts_at_start(settings: Settings, profile: Profile) -> None:
    """A missing or broken prompt fails the start with one clear line (when prompts are local)."""
    from ivr.prompts.complete import missing_or_bad_prompts

    if not settings.prompts_dir.is_dir():
        log.info("prompts_not_local", prompts_dir=str(settings.prompts_dir))
        return
    problems = missing_or_bad_prompts(
        settings.prompts_dir, [profile], partial(advertiser_prompts, settings)
    )
    if problems:
        first = problems[0]
        more = (
            f" (and {len(problems) - 1} more; run `ivr prompts check`)" if len(problems) > 1 else ""
        )
        raise ConfigError(f"prompt {first.name}: {first.message}{more}")


def check_advertiser_names(settings: Settings, regimes: Regimes) -> None:
    """An advertiser whose calls may be in English must name its English name prompt
    (``name_prompt_en``, docs/design.md §14.16): :class:`ConfigError` naming the advertiser."""
    for advertiser, config in settings.advertisers.items():
        english = [p.name for p in regimes.all_profiles_for(advertiser) if ENGLISH in p.languages]
        if english and not config.name_prompt_en:
            raise ConfigError(
                f"advertisers.{advertiser}: name_prompt_en is required: its calls run under "
                f"{', '.join(english)}, in English (its name in prompts/en/, "
                f'e.g. name_prompt_en = "advertisers/{advertiser}")'
            )


def _profiles_served(regimes: Regimes, profile: Profile) -> list[Profile]:
    """Every profile a call may run under: the service's and each advertiser's (families whole)."""
    found = {profile.name: profile}
    for advertiser in (None, *regimes.advertisers):
        found.update((p.name, p) for p in regimes.all_profiles_for(advertiser))
    return list(found.values())


@dataclass
class IvrService:
    settings: Settings
    clock: Clock
    metrics: Metrics = field(default_factory=Metrics.create)
    profile: Profile | None = None
    store: Store | None = None
    ari: AriClient | None = None
    router: CallRouter | None = None
    stream: EventStream | None = None
    api: web.Application | None = None
    allow_missing_prompts: bool = False
    prompts: PromptWatch | None = None
    start_failed: asyncio.Future[str] | None = None
    """Set to a one-line reason when the first connection finds the service cannot serve."""
    _stream_task: asyncio.Task[None] | None = None
    _checkpoint_task: asyncio.Task[None] | None = None
    _stopping: bool = False

    async def start(self) -> None:
        settings = self.settings
        regimes = Regimes.from_settings(settings)
        check_advertiser_names(settings, regimes)
        self.profile = self.profile or regimes.resolve(settings.profile, self.clock.now())
        ari_host = urlsplit(settings.ari_url).hostname or ""
        if settings.ari_password == DEFAULT_ARI_PASSWORD and not is_loopback(ari_host):
            log.warning(
                "default_ari_password", hint="set IVR_ARI_PASSWORD for a non-loopback Asterisk"
            )
        self.store = await Store.open(settings.db_location, self.clock, pool_size=settings.db_pool)
        self.store.on_evidence_failure = self.metrics.evidence_write_failures.inc
        self.store.on_late_event = self.metrics.late_events.inc
        if settings.asterisk_id is not None:  # named: refuse before touching Asterisk at all
            await self.store.take_lease(settings.asterisk_id)
        self.ari = AriClient(
            settings.ari_url,
            settings.ari_user,
            settings.ari_password,
            voicemail_targets=settings.voicemail_targets,
            clock=self.clock,
        )
        served = _profiles_served(regimes, self.profile)
        ctx = SessionContext(
            ari=self.ari,
            store=self.store,
            clock=self.clock,
            profile=self.profile,
            settings=settings,
            metrics=self.metrics,
            facts=PromptFacts.load(
                settings.prompts_dir,
                [
                    name
                    for profile in served
                    for name in required_prompts(profile, advertiser_prompts(settings))
                ],
            ),
            regimes=regimes,
            asterisk_id=settings.asterisk_id,
        )
        self.router = CallRouter(ctx, settings.ari_app)
        self.prompts = PromptWatch(
            prompt_media(
                settings.prompts_dir,
                served,
                settings.sound_prefix,
                partial(advertiser_prompts, settings),
            ),
            allow_missing=self.allow_missing_prompts,
        )
        self.start_failed = asyncio.get_running_loop().create_future()
        self.stream = EventStream(
            settings.events_url,
            settings.ari_app,
            settings.ari_user,
            settings.ari_password,
            self.clock,
            self.router.on_event,
            on_connected=self._connected,
            on_disconnected=self._disconnected,
        )
        self.api = make_api_app(
            settings,
            self.store,
            self.clock,
            self.metrics,
            self.profile,
            readiness=[self._ari_ready, self._prompts_installed],
            regimes=regimes,
        )
        self._stream_task = asyncio.create_task(self.stream.run(), name="ari-events")
        self._checkpoint_task = asyncio.create_task(
            self._write_checkpoints(), name="evidence-checkpoints"
        )

    async def _write_checkpoints(self) -> None:
        """A checkpoint every ``IVR_EVIDENCE_CHECKPOINT_S``
        (docs/design.md 14.11); one more at stop."""
        while True:
            await self.clock.sleep(self.settings.evidence_checkpoint_s)
            await self._checkpoint()

    async def _checkpoint(self) -> None:
        if self.store is None:
            return
        try:
            await self.store.write_checkpoint()
        except Exception as exc:
            log.error("checkpoint_failed", error=str(exc))

    async def _ari_ready(self) -> bool:
        return self.stream is not None and self.stream.connected

    async def _prompts_installed(self) -> bool | str:
        if self.prompts is None or self.ari is None:
            return False
        return await self.prompts.ready(self.ari, self.clock)

    async def _connected(self) -> None:
        router, store, ari, prompts = self.router, self.store, self.ari, self.prompts
        # start() made them all before the stream that calls this
        assert router is not None and store is not None and ari is not None and prompts is not None
        self.metrics.ari_connected.set(1)
        if self.stream is not None and self.stream.reconnects:
            self.metrics.ari_reconnects.inc()
        log.info("ari_connected", url=self.settings.ari_url, app=self.settings.ari_app)
        await self._filter_events(ari)
        try:
            await prompts.on_connected(ari, self.clock)
        except PromptsMissing as exc:
            log.error("prompts.missing_at_start", missing=list(exc.missing))
            self._cannot_serve(str(exc))
            return
        asterisk_id = router.ctx.asterisk_id
        if asterisk_id is None:
            try:
                asterisk_id = await self._entity_id()
            except AriError as exc:
                log.error("asterisk_id_unknown", error=str(exc))
                self._cannot_serve(f"cannot name this box: {exc}")
                return
            router.ctx = replace(router.ctx, asterisk_id=asterisk_id)
        if not store.has_lease:
            try:
                await store.take_lease(asterisk_id)
                router.standing_by = False
            except LeaseHeld as exc:
                router.standing_by = True  # the channels are the other process's
                log.error("asterisk_lease_held", asterisk_id=exc.asterisk_id)
                self._cannot_serve(str(exc))
                return
        try:
            await router.resync()
        except Exception:
            log.exception("resync_failed")

    async def _filter_events(self, ari: AriClient) -> None:
        """Ask for the event types a call reads alone, at every connection (a restarted
        Asterisk forgets the filter); an Asterisk that refuses it sends them all, which
        the calls ignore."""
        try:
            await ari.set_event_filter(self.settings.ari_app, EVENTS_READ)
        except AriError as exc:
            log.warning("ari.event_filter_refused", error=str(exc))

    def _cannot_serve(self, reason: str) -> None:
        """Say once, through :attr:`start_failed`, why this service cannot serve."""
        if self.start_failed is not None and not self.start_failed.done():
            self.start_failed.set_result(reason)

    async def _entity_id(self) -> str:
        """Asterisk's ``system.entity_id`` (``GET /ari/asterisk/info``): this box's id."""
        assert self.ari is not None
        info = await self.ari.asterisk_info()
        entity_id = info.system.entity_id if info.system is not None else ""
        if not entity_id:
            raise AriError(
                200, "no system.entity_id (set IVR_ASTERISK_ID)", "GET", "/ari/asterisk/info"
            )
        log.info("asterisk_id", asterisk_id=entity_id, source="entity_id")
        return entity_id

    @property
    def asterisk_id(self) -> str | None:
        return self.router.ctx.asterisk_id if self.router is not None else None

    async def _disconnected(self) -> None:
        self.metrics.ari_connected.set(0)
        if self._stopping:
            log.info("ari_disconnected")
        else:
            log.warning("ari_disconnected")

    async def wait_connected(self, timeout: float) -> bool:
        assert self.stream is not None
        return await self.stream.wait_connected(timeout)

    async def stop(self) -> None:
        """Stop taking calls, let calls finish for the grace period, finish every write."""
        self._stopping = True
        if self.router is not None:
            await self.router.end_all(self.settings.shutdown_grace_s)
        if self.stream is not None:
            await self.stream.stop()
        if self._stream_task is not None:
            self._stream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stream_task
        if self.ari is not None:
            await self.ari.close()
        if self._checkpoint_task is not None:
            self._checkpoint_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoint_task
            await self._checkpoint()
        if self.store is not None:
            await self.store.close()
