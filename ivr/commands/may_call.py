"""``ivr may-call NUMBER --advertiser ID``: the may-call decision as JSON (DESIGN.md 6, 9)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ivr.clock import LoopClock
from ivr.commands.running import configured_profile
from ivr.config import Settings, load_settings
from ivr.flow.profile import Profile
from ivr.logs import configure_logging
from ivr.rules.hours import CallingHours
from ivr.rules.maycall import may_call
from ivr.rules.suppression import Relation
from ivr.store import Store, StoreError
from ivr.suppressions import (
    InputError,
    UnknownAdvertiser,
    ensure_advertiser,
    parse_at,
    parse_category,
    parse_number,
    parse_relation,
)

ALLOWED = 0
NOT_ALLOWED = 1
INPUT_ERROR = 2


@dataclass(frozen=True)
class Question:
    number: str
    advertiser: str
    at: datetime
    relation: Relation | None
    category: str | None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "may-call",
        help="may an advertiser call this number now (JSON; exit 1 when not)",
        description="Decide whether ADVERTISER may call NUMBER: suppression (recht van verzet, "
        "Bel-me-niet Register) first, then the calling hours of the profile. Prints "
        '{"number", "advertiser", "allowed", "reasons"}. Exit 0 allowed, 1 not allowed, '
        "2 bad input or configuration.",
    )
    parser.add_argument("number", metavar="NUMBER", help="the consumer's number (06…, +31…)")
    parser.add_argument("--advertiser", required=True, metavar="ID")
    parser.add_argument(
        "--at", metavar="ISO8601", help="the moment of the call, with its offset (default: now)"
    )
    parser.add_argument("--relation", choices=[relation.value for relation in Relation])
    parser.add_argument("--category", metavar="C", help="a register category of the profile")
    parser.add_argument("--db", type=Path, default=None, help="default: IVR_DB")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging(level=logging.WARNING)
    settings = load_settings()
    profile = configured_profile(settings)
    db: Path = args.db if args.db is not None else settings.db
    try:
        question = _question(args, profile, LoopClock().now())
    except InputError as exc:
        return _refuse(exc.message)
    if not db.is_file():
        # Opening would create an empty database, and an empty list allows every call.
        return _refuse(f"database {db} does not exist (IVR_DB or --db)")
    try:
        return asyncio.run(_answer(question, settings, profile, db))
    except UnknownAdvertiser as exc:
        return _refuse(str(exc))
    except (StoreError, sqlite3.Error) as exc:
        return _refuse(f"database {db}: {exc}")


def _question(args: argparse.Namespace, profile: Profile, now: datetime) -> Question:
    return Question(
        number=parse_number(args.number),
        advertiser=args.advertiser,
        at=parse_at(args.at, now),
        relation=parse_relation(args.relation),
        category=parse_category(args.category, profile),
    )


async def _answer(question: Question, settings: Settings, profile: Profile, db: Path) -> int:
    store = await Store.open(db, LoopClock())
    try:
        await ensure_advertiser(store, settings, question.advertiser)
        optouts = await store.active_optouts(question.number, question.advertiser)
    finally:
        await store.close()
    decision = may_call(
        optouts,
        question.advertiser,
        question.at,
        CallingHours(profile.hours),
        relation=question.relation,
        category=question.category,
    )
    answer = {
        "number": question.number,
        "advertiser": question.advertiser,
        "allowed": decision.allowed,
        "reasons": [reason.as_dict() for reason in decision.reasons],
    }
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return ALLOWED if decision.allowed else NOT_ALLOWED


def _refuse(message: str) -> int:
    print(f"ivr: {message}", file=sys.stderr)
    return INPUT_ERROR
