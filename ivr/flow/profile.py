"""Profiles: the law a call follows, as data (TOML under ``ivr/profiles/``).

A profile names the keys, time-outs and tries, the offers a call makes, the
register categories, the wording (prompt names) and the calling hours; as law,
its period, rights, languages, number region, evidence retention and what a call
needs under it (``[opt_in]``). ``nl-ctm2012`` is the default; a profile of a
``family`` (``nl``) is chosen by date when the family is named.
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from collections.abc import Mapping
from datetime import datetime
from importlib import resources
from typing import Any, Self

import phonenumbers
from pydantic import BaseModel, Field, field_validator, model_validator

from ivr.rules.hours import HoursRules
from ivr.rules.reasons import ReasonCode
from ivr.rules.regime import OptIn, Period, Right, local_day

DEFAULT_PROFILE = "nl-ctm2012"

_PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_CATEGORY_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_DTMF = frozenset("0123456789*#ABCD")


class Category(BaseModel, frozen=True, extra="forbid"):
    """A Bel-me-niet Register category: ``id`` names its prompt ``category-<id>``."""

    id: str
    name: str


class Offers(BaseModel, frozen=True, extra="forbid"):
    """Which rights the menu offers, and whether one is offered after the other."""

    recht_van_verzet: bool = True
    bel_me_niet: bool = True
    bel_me_niet_after_recht_van_verzet: bool = True
    recht_van_verzet_after_bel_me_niet: bool = True
    goodbye_after_registered: bool = True
    """False: the "registered" prompt says goodbye itself and the call is hung up after it."""


class Confirmation(BaseModel, frozen=True, extra="forbid"):
    """Which numbers are read back before the first record."""

    arg_number: bool = False
    """Recht van verzet on the ``number`` arg needs confirmation (CTM 2012: no)."""

    caller_number: bool = True
    """The caller-id number needs confirmation (a dialer leg may show the call centre's)."""

    use_caller_id: bool = True
    """False: the number comes from the ``number`` arg or is keyed, never from caller id."""

    keyed_number: bool = True
    """A keyed number is read back and confirmed before it is recorded."""


class Keys(BaseModel, frozen=True, extra="forbid"):
    """The keys of each question (one DTMF character each)."""

    repeat: str = "0"
    recht_van_verzet: str = "1"
    bel_me_niet: str = "2"
    yes: str = "1"
    no: str = "2"
    total: str = "1"
    partial: str = "2"
    opt_out: str = "1"
    keep: str = "2"
    confirm: str = "1"
    choose_again: str = "2"
    other_number: str = "3"
    number_ok: str = "1"
    number_other: str = "2"
    end_entry: str = "#"
    restart_entry: str = "*"
    leave: str | None = None
    """A menu key that ends the call (single-right menus); it counts only once the menu
    has stated the right (docs/design.md §14.1)."""

    @model_validator(mode="after")
    def _distinct_per_question(self) -> Self:
        for name, key in self.model_dump().items():
            if key is not None and key not in _DTMF:
                raise ValueError(f"keys.{name}: {key!r} is not one DTMF key")
        questions = {
            "menu": (self.recht_van_verzet, self.bel_me_niet),
            "yes/no": (self.yes, self.no),
            "scope": (self.total, self.partial),
            "category": (self.opt_out, self.keep),
            "confirm-register": (self.confirm, self.choose_again, self.other_number),
            "confirm-number": (self.number_ok, self.number_other),
        }
        if self.leave is not None:
            questions["menu leave"] = (self.recht_van_verzet, self.leave)
        for question, keys in questions.items():
            if len(set(keys)) != len(keys) or self.repeat in keys:
                raise ValueError(f"keys of {question} must differ from each other and from repeat")
        if self.end_entry.isdigit() or self.restart_entry.isdigit():
            raise ValueError("keys.end_entry and keys.restart_entry cannot be digits")
        if self.end_entry == self.restart_entry:
            raise ValueError("keys.end_entry and keys.restart_entry must differ")
        return self


class Wording(BaseModel, frozen=True, extra="forbid"):
    """The prompt name of each thing the IVR says (docs/design.md section 9).

    Category prompts (``category-<id>``) and digits (``digit-0``…) follow from
    the categories and are not listed here.
    """

    welcome: str = "welcome"
    advertiser_generic: str = "advertiser-generic"
    menu: str = "menu"
    invalid: str = "invalid"
    rvv_registered: str = "rvv-registered"
    offer_register: str = "offer-register"
    register_scope: str = "register-scope"
    charities: str = "charities"
    category_keys: str = "category-keys"
    no_category: str = "no-category"
    readback_number: str = "readback-number"
    readback_all: str = "readback-all"
    readback_all_charities: str = "readback-all-charities"
    readback_categories: str = "readback-categories"
    confirm_register: str = "confirm-register"
    confirm_number: str = "confirm-number"
    enter_number: str = "enter-number"
    number_invalid: str = "number-invalid"
    register_recorded: str = "register-recorded"
    offer_rvv: str = "offer-rvv"
    cannot_register: str = "cannot-register"
    contact_generic: str | None = "contact-generic"
    """Follows ``cannot-register`` when the advertiser has no ``contact_prompt``; empty in
    the file (None) when ``cannot-register`` itself says where to object (us-tcpa)."""
    goodbye: str = "goodbye"

    @field_validator("contact_generic", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


_BEL_ME_NIET_WORDING = (
    "register_scope",
    "charities",
    "category_keys",
    "no_category",
    "readback_all",
    "readback_all_charities",
    "readback_categories",
    "confirm_register",
    "register_recorded",
)


class Profile(BaseModel, frozen=True, extra="forbid"):
    """One regime's call flow, keys, wording and calling hours."""

    name: str
    description: str = ""
    timeout_s: float = Field(default=7.0, gt=0)
    keyed_timeout_s: float = Field(default=5.0, gt=0)
    tries: int = Field(default=3, ge=1)
    max_questions: int = Field(default=30, ge=1)
    max_call_s: float = Field(default=600.0, gt=0)
    max_keyed_digits: int = Field(default=15, ge=1)
    max_prompt_seconds: float = Field(default=60.0, gt=0)
    offers: Offers = Offers()
    confirm: Confirmation = Confirmation()
    keys: Keys = Keys()
    categories: list[Category] = Field(default_factory=list)
    wording: Wording = Wording()
    hours: HoursRules = HoursRules()
    family: str | None = None
    """Profiles of one family (``nl``) follow each other in time."""
    period: Period = Period()
    rights: tuple[Right, ...] = ()
    """The rights a call offers (docs/design.md 10.2); by default those of ``offers``."""
    languages: tuple[str, ...] = ("nl",)
    default_lang: str = "nl"
    number_region: str = "NL"
    """The region numbers are parsed with (``phonenumbers``)."""
    hours_verified: bool = True
    """False when the hours are carried over without checking today's rules."""
    retention_days: int | None = Field(default=None, ge=1)
    """The least number of days calls under this profile keep their evidence."""
    opt_in: OptIn = OptIn()
    sources: tuple[str, ...] = ()
    """Where the rules come from (shown by ``ivr profiles``)."""
    notices: tuple[ReasonCode, ...] = ()
    """Information reasons every decision under this profile carries."""

    @model_validator(mode="before")
    @classmethod
    def _rights_from_offers(cls, data: Any) -> Any:
        if isinstance(data, dict) and "rights" not in data:
            offers = data.get("offers", {})
            offers = offers.model_dump() if isinstance(offers, Offers) else offers
            rights = [
                right.value
                for right, offered in (
                    (Right.RECHT_VAN_VERZET, offers.get("recht_van_verzet", True)),
                    (Right.BEL_ME_NIET, offers.get("bel_me_niet", True)),
                )
                if offered
            ]
            data = {**data, "rights": rights}
        return data

    @model_validator(mode="after")
    def _regime_coherent(self) -> Self:
        if not self.rights:
            raise ValueError("rights: the profile must name at least one right")
        if len(set(self.rights)) != len(self.rights):
            raise ValueError("rights: every right once")
        if self.default_lang not in self.languages:
            raise ValueError(f"default_lang {self.default_lang!r} is not in languages")
        if self.number_region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"number_region {self.number_region!r} is not a region")
        if self.family is not None and not _PROFILE_NAME.fullmatch(self.family):
            raise ValueError(f"family {self.family!r}: lower-case letters, digits, -")
        return self

    statements: dict[str, list[str]] = Field(default_factory=dict)
    """Prompt name -> the rights it states (its marks are in ``offered.toml``);
    empty: ``menu`` states every right, ``offer-register`` and ``offer-rvv`` their own."""

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if not (self.offers.recht_van_verzet or self.offers.bel_me_niet):
            raise ValueError("offers: the profile must offer at least one right")
        ids = [category.id for category in self.categories]
        for category_id in ids:
            if not _CATEGORY_ID.fullmatch(category_id):
                raise ValueError(f"category id {category_id!r}: lower-case letters, digits, -")
        if len(set(ids)) != len(ids):
            raise ValueError("categories: every id must be unique")
        if self.offers.bel_me_niet and not ids:
            raise ValueError("offers.bel_me_niet needs at least one category")
        for prompt, stated in self.statement_prompts.items():
            unknown = set(stated) - set(self.offered_rights)
            if unknown:
                raise ValueError(f"statements.{prompt}: not a right of the profile: {unknown}")
        return self

    def in_force_at(self, at: datetime) -> bool:
        """Whether ``at`` falls in the period (dates in the profile's time zone)."""
        return self.period.covers(local_day(at, self.hours.zone))

    def expired_at(self, at: datetime) -> bool:
        """Whether the period had ended by ``at``: decisions then say ``profile_expired``."""
        return self.period.ended_before(local_day(at, self.hours.zone))

    @property
    def offered_rights(self) -> tuple[str, ...]:
        """The rights of this profile, each with a verdict per call."""
        return tuple(right.value for right in self.rights)

    @property
    def objection_kind(self) -> str:
        """What the menu's objection key records: ``do_not_call`` or ``recht_van_verzet``."""
        return "do_not_call" if "do_not_call" in self.offered_rights else "recht_van_verzet"

    @property
    def statement_prompts(self) -> Mapping[str, tuple[str, ...]]:
        """Prompt name -> the rights it states."""
        if self.statements:
            return {prompt: tuple(rights) for prompt, rights in self.statements.items()}
        rights = self.offered_rights
        wording = self.wording
        found: dict[str, tuple[str, ...]] = {wording.menu: rights}
        if "bel_me_niet" in rights and "recht_van_verzet" in rights:
            found[wording.offer_register] = ("bel_me_niet",)
            found[wording.offer_rvv] = ("recht_van_verzet",)
        return found

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(category.id for category in self.categories)

    @property
    def prompts(self) -> tuple[str, ...]:
        """Every prompt name this profile's flow may play, besides categories and digits."""
        offers = self.offers
        skipped: set[str] = set()
        if not offers.bel_me_niet:
            skipped.update(_BEL_ME_NIET_WORDING)
        if not offers.recht_van_verzet:
            skipped.add("rvv_registered")
        if not (offers.bel_me_niet and offers.recht_van_verzet):
            skipped.update(("offer_register", "offer_rvv"))
        if not offers.bel_me_niet_after_recht_van_verzet:
            skipped.add("offer_register")
        if not offers.recht_van_verzet_after_bel_me_niet:
            skipped.add("offer_rvv")
        names = (
            name
            for field, name in self.wording.model_dump().items()
            if field not in skipped and name
        )
        return tuple(dict.fromkeys(names))


def known_profiles() -> list[str]:
    """The names of the shipped profiles, sorted."""
    folder = resources.files("ivr") / "profiles"
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def load_profile(name: str) -> Profile:
    """The shipped profile ``name``; ``ValueError`` for an unknown or broken one."""
    known = known_profiles()
    if not _PROFILE_NAME.fullmatch(name) or name not in known:
        raise ValueError(f"unknown profile {name!r}; known profiles: {', '.join(known)}")
    text = (resources.files("ivr") / "profiles" / f"{name}.toml").read_text(encoding="utf-8")
    return parse_profile(text, expected_name=name)


@functools.cache
def profile_file_hash(name: str) -> str:
    """SHA-256 of the shipped profile file ``name`` as loaded (kept with every call): read once
    per process."""
    data = (resources.files("ivr") / "profiles" / f"{name}.toml").read_bytes()
    return hashlib.sha256(data).hexdigest()


def parse_profile(text: str, expected_name: str | None = None) -> Profile:
    """A profile from TOML text; ``ValueError`` (pydantic's, with every problem) if invalid."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"profile {expected_name or '(text)'}: {exc}") from exc
    profile = Profile.model_validate(data)
    if expected_name is not None and profile.name != expected_name:
        raise ValueError(f"profile file {expected_name}.toml names itself {profile.name!r}")
    return profile
