"""``ivr calls show ID`` and ``ivr calls search``: one call's evidence, calls to follow up."""

from __future__ import annotations

import argparse
import json
import sys

from ivr.commands.call_timeline import call_json, timeline
from ivr.commands.store_access import OK, add_db_option, fail, run_with_store, setup
from ivr.domain import RIGHT_VERDICTS
from ivr.store import Store
from ivr.suppressions import parse_number, parse_since


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("calls", help="show one call's evidence; search calls")
    commands = parser.add_subparsers(dest="calls_command", metavar="COMMAND", required=True)

    show = commands.add_parser(
        "show",
        help="one call as a readable timeline (prompts heard or interrupted, keys, records,"
        " transfers, the rights verdict)",
    )
    show.add_argument("call_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="the call, its events and opt-outs")
    add_db_option(show)
    show.set_defaults(run=run_show)

    search = commands.add_parser("search", help="calls matching every filter, oldest first")
    search.add_argument("--number", help="matches the number or the caller id")
    search.add_argument("--advertiser")
    search.add_argument("--since", help="ISO 8601 date or date-time (local when no offset)")
    search.add_argument("--until", help="ISO 8601 date or date-time (exclusive)")
    search.add_argument(
        "--rights",
        metavar="VERDICTS",
        help="calls with any right given any of these verdicts, comma-separated"
        f" ({', '.join(RIGHT_VERDICTS)}), e.g. not_heard,chosen_unconfirmed",
    )
    search.add_argument("--json", action="store_true", help="JSONL, one call a line")
    add_db_option(search)
    search.set_defaults(run=run_search)


def run_show(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        call = await store.get_call(args.call_id)
        if call is None:
            return fail(f"no call {args.call_id}")
        events = await store.call_events(call.id)
        optouts = await store.optouts_for_call(call.id)
        if args.json:
            print(json.dumps(call_json(call, events, optouts), ensure_ascii=False))
        else:
            print("\n".join(timeline(call, events, optouts)))
        return OK

    return run_with_store(where, work)


def run_search(args: argparse.Namespace) -> int:
    where = setup(args)
    rights = args.rights.split(",") if args.rights else None
    unknown = [r for r in rights or [] if r not in RIGHT_VERDICTS]
    if unknown:
        return fail(
            f"--rights: unknown verdict {unknown[0]!r} (one of {', '.join(RIGHT_VERDICTS)})"
        )
    timezone = where.profile.hours.timezone

    async def work(store: Store) -> int:
        found = store.search_calls(
            number=parse_number(args.number) if args.number else None,
            caller_number=args.number,
            advertiser=args.advertiser,
            since=parse_since(args.since, timezone),
            until=parse_since(args.until, timezone),
            rights=rights,
        )
        async for call in found:
            if args.json:
                body = call_json(call, [], [])["call"]
                sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")
            else:
                verdict = ",".join(f"{k}={v}" for k, v in sorted((call.rights or {}).items()))
                sys.stdout.write(
                    f"{call.id}  {call.started_at.isoformat(timespec='seconds')}"
                    f"  {call.advertiser}  {call.number or call.caller_number or '-'}"
                    f"  {call.outcome.value if call.outcome else 'open'}  {verdict or '-'}\n"
                )
        return OK

    return run_with_store(where, work)
