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

from pydantic import ValidationError

from ivr.clock import LoopClock
from ivr.config import ConfigError, Settings, load_settings
from ivr.domain import OptOut
from ivr.flow.profile import Profile, load_profile
from ivr.logs import configure_logging
from ivr.rules.hours import CallingHours
from ivr.rules.maycall import may_call
from ivr.rules.numbers import normalize
from ivr.rules.suppression import Relation
from ivr.store import Store, StoreError

ALLOWED = 0
NOT_ALLOWED = 1
INPUT_ERROR = 2


class InputError(Exception):
    """A bad argument, said in one line."""


@dataclass(frozen=True)
class Question:
    number: str
    advertiser: str
    at: datetime | None
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
    profile = _profile(settings)
    try:
        question = _question(args, profile)
    except InputError as exc:
        print(f"ivr: {exc}", file=sys.stderr)
        return INPUT_ERROR
    db: Path = args.db if args.db is not None else settings.db
    if not db.is_file():
        # Opening would create an empty database, and an empty list allows every call.
        print(f"ivr: database {db} does not exist (IVR_DB or --db)", file=sys.stderr)
        return INPUT_ERROR
    try:
        return asyncio.run(_answer(question, settings, profile, db))
    except InputError as exc:
        print(f"ivr: {exc}", file=sys.stderr)
        return INPUT_ERROR
    except (StoreError, sqlite3.Error) as exc:
        print(f"ivr: database {db}: {exc}", file=sys.stderr)
        return INPUT_ERROR


def parse_at(text: str) -> datetime:
    """An ISO 8601 moment with its offset; a moment without one is ambiguous and refused."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"--at {text!r} is not an ISO 8601 date-time") from exc
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError(f"--at {text!r} needs its offset, e.g. 2026-03-10T12:00:00+01:00")
    return at


def _question(args: argparse.Namespace, profile: Profile) -> Question:
    number = normalize(args.number)
    if number is None:
        raise InputError(f"{args.number!r} is not a valid phone number")
    category: str | None = args.category
    if category is not None and category not in profile.category_ids:
        known = ", ".join(profile.category_ids) or "none"
        raise InputError(f"unknown category {category!r}; profile {profile.name} has: {known}")
    return Question(
        number=number,
        advertiser=args.advertiser,
        at=parse_at(args.at) if args.at is not None else None,
        relation=Relation(args.relation) if args.relation is not None else None,
        category=category,
    )


async def _answer(question: Question, settings: Settings, profile: Profile, db: Path) -> int:
    clock = LoopClock()
    optouts = await _optouts(question, settings, db, clock)
    decision = may_call(
        optouts,
        question.advertiser,
        question.at or clock.now(),
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


async def _optouts(
    question: Question, settings: Settings, db: Path, clock: LoopClock
) -> list[OptOut]:
    store = await Store.open(db, clock)
    try:
        configured = question.advertiser in settings.advertisers
        if not configured and not await store.advertiser_known(question.advertiser):
            raise InputError(
                f"unknown advertiser {question.advertiser!r}: neither configured nor in {db}"
            )
        return await store.active_optouts(question.number, question.advertiser)
    finally:
        await store.close()


def _profile(settings: Settings) -> Profile:
    try:
        return load_profile(settings.profile)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"profile {settings.profile}: {problems}") from exc
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
