"""``/ui/``: today and the last 30 days (Europe/Amsterdam), as charts and numbers."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from ivr.api.context import context_of, principal_of
from ivr.store.figures import Figures
from ivr.ui.charts import bar_chart
from ivr.ui.guard import LANG
from ivr.ui.render import AMSTERDAM, render
from ivr.ui.texts import text


def day_start(moment: datetime, days_back: int = 0) -> datetime:
    local = moment.astimezone(AMSTERDAM).date() - timedelta(days=days_back)
    return datetime(local.year, local.month, local.day, tzinfo=AMSTERDAM)


async def overview(request: web.Request) -> web.Response:
    ctx = context_of(request)
    lang = request[LANG]
    now = ctx.clock.now()
    tomorrow = day_start(now, -1)
    advertiser = principal_of(request).advertiser
    periods = []
    for key, since in (("today", day_start(now)), ("last_30", day_start(now, 29))):
        found = await ctx.store.figures(since, tomorrow, advertiser)
        periods.append({"title": text(lang, key), "figures": found, "charts": _charts(found, lang)})
    return render(request, "overview.html", {"periods": periods})


def _charts(found: Figures, lang: str) -> list[object]:
    def word(key: str) -> str:
        return text(lang, key)

    return [
        bar_chart(word("calls_by_outcome"), sorted(found.calls.items())),
        bar_chart(
            word("optouts_by_kind"), [(word(kind), n) for kind, n in sorted(found.optouts.items())]
        ),
        bar_chart(word("rights_verdicts"), sorted(found.rights.items())),
        bar_chart(word("prompt_failures"), [(word("prompt_failures"), found.prompt_failures)]),
    ]
