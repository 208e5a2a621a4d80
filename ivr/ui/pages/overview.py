"""``/ui/``: today and the last 30 days (Europe/Amsterdam), as charts and numbers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

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
        periods.append(
            {
                "title": text(lang, key),
                "figures": found,
                "tables": _tables(found, lang),
                "failures_chart": bar_chart(
                    text(lang, "prompt_failures"),
                    [(text(lang, "prompt_failures"), found.prompt_failures)],
                ),
            }
        )
    return render(request, "overview.html", {"periods": periods})


def _tables(found: Figures, lang: str) -> list[dict[str, Any]]:
    """Each count by kind as a chart and as the table beside it, from the same rows."""

    def word(key: str) -> str:
        return text(lang, key)

    tables = [
        ("calls_by_outcome", "outcome", sorted(found.calls.items())),
        ("optouts_by_kind", "kind", [(word(k), n) for k, n in sorted(found.optouts.items())]),
        ("rights_verdicts", "rights", sorted(found.rights.items())),
    ]
    return [
        {
            "title": word(title),
            "column": word(column),
            "rows": rows,
            "chart": bar_chart(word(title), rows),
        }
        for title, column, rows in tables
    ]
