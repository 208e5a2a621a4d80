"""``ivr profiles``: the shipped profiles with their period, rights and calling rules."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from ivr.clock import LoopClock
from ivr.commands.running import configured_regimes
from ivr.config import load_settings
from ivr.flow.profile import Profile, known_profiles, load_profile
from ivr.regimes import Regimes

OK = 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "profiles",
        help="list the profiles (regimes) with their periods, rights and hours",
        description="List every shipped profile: the period it is in force, the rights its "
        "calls offer, what calling needs under it, whether its calling hours are verified, "
        "and which profile IVR_PROFILE and each advertiser use today.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per profile")
    parser.set_defaults(run=run)


def describe(profile: Profile) -> dict[str, Any]:
    opt_in = profile.opt_in
    return {
        "name": profile.name,
        "family": profile.family,
        "from": profile.period.start.isoformat() if profile.period.start else None,
        "until": profile.period.end.isoformat() if profile.period.end else None,
        "rights": [right.value for right in profile.rights],
        "consent_required": opt_in.consent_required,
        "consent_must_be_verified": opt_in.consent_must_be_verified,
        "customer_relation_years": opt_in.customer_relation_years,
        "customer_relation_sectors": [s.value for s in opt_in.customer_relation_sectors]
        if opt_in.customer_relation_years is not None
        else [],
        "hours_verified": profile.hours_verified,
        "languages": list(profile.languages),
        "default_lang": profile.default_lang,
        "number_region": profile.number_region,
        "retention_days": profile.retention_days,
        "description": profile.description,
        "sources": list(profile.sources),
    }


def run(args: argparse.Namespace) -> int:
    profiles = [load_profile(name) for name in known_profiles()]
    if args.json:
        for profile in profiles:
            print(json.dumps(describe(profile), ensure_ascii=False))
        return OK
    for profile in profiles:
        print(_line(profile))
    print()
    print(_in_use(configured_regimes(load_settings())))
    return OK


def _line(profile: Profile) -> str:
    opt_in = profile.opt_in
    if not opt_in.consent_required:
        needs = "no consent (opt-out)"
    else:
        needs = "verified consent" if opt_in.consent_must_be_verified else "consent"
        if opt_in.customer_relation_years is not None:
            sectors = ", ".join(s.value for s in opt_in.customer_relation_sectors)
            needs += f" or customer relation < {opt_in.customer_relation_years}y ({sectors})"
    hours = "verified" if profile.hours_verified else "NOT verified"
    family = f" [family {profile.family}]" if profile.family else ""
    return (
        f"{profile.name}{family}\n"
        f"  in force: {profile.period.describe()}\n"
        f"  rights:   {', '.join(r.value for r in profile.rights)}\n"
        f"  calling:  {needs}\n"
        f"  hours:    {hours}\n"
        f"  language: {', '.join(profile.languages)} (default {profile.default_lang}),"
        f" numbers as {profile.number_region}"
    )


def _in_use(regimes: Regimes) -> str:
    now = LoopClock().now()
    default = regimes.resolve(regimes.default, now)
    lines = [f"IVR_PROFILE={regimes.default}: today {default.name}{_expired(default, now)}"]
    for advertiser in sorted(regimes.advertisers):
        profile = regimes.profile_for(advertiser, now)
        lines.append(
            f"advertiser {advertiser}: today {profile.name}{_expired(profile, now)},"
            f" sector {regimes.sector_of(advertiser)}"
        )
    return "\n".join(lines)


def _expired(profile: Profile, now: datetime) -> str:
    return (
        " (its period has ended: decisions say profile_expired)" if profile.expired_at(now) else ""
    )
