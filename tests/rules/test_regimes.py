"""Which rules apply: profiles by date (family ``nl``) and by advertiser
(docs/design.md 11.1, 14.23)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.cli import main
from ivr.config import AdvertiserConfig, ConfigError, Settings
from ivr.flow.profile import load_profile, parse_profile
from ivr.regimes import Regimes
from ivr.rules.regime import Right, Sector

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def regimes(profile: str = "nl", **advertisers: AdvertiserConfig) -> Regimes:
    return Regimes.from_settings(Settings(profile=profile, advertisers=advertisers))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2021, 6, 30, 23, 59, 59, tzinfo=AMSTERDAM), "nl-ctm2012"),
        (datetime(2021, 7, 1, 0, 0, tzinfo=AMSTERDAM), "nl-2021"),
        (datetime(2021, 6, 30, 22, 0, tzinfo=UTC), "nl-2021"),  # midnight in Amsterdam
        (datetime(2021, 6, 30, 21, 59, tzinfo=UTC), "nl-ctm2012"),
        (datetime(2026, 6, 30, 23, 59, 59, tzinfo=AMSTERDAM), "nl-2021"),
        (datetime(2026, 7, 1, 0, 0, tzinfo=AMSTERDAM), "nl-2026"),
        (datetime(2012, 1, 1, 12, 0, tzinfo=UTC), "nl-ctm2012"),
        (datetime(2040, 1, 1, 12, 0, tzinfo=UTC), "nl-2026"),
    ],
)
def test_the_family_nl_switches_at_local_midnight(at: datetime, expected: str) -> None:
    assert regimes().profile_for("acme", at).name == expected


def test_a_named_profile_stays_whatever_the_date() -> None:
    chosen = regimes("nl-2021")
    assert chosen.profile_for(None, datetime(2030, 1, 1, tzinfo=UTC)).name == "nl-2021"
    assert chosen.profile_for(None, datetime(2015, 1, 1, tzinfo=UTC)).name == "nl-2021"


def test_an_advertiser_has_its_own_profile_and_sector() -> None:
    chosen = regimes(
        "nl-ctm2012",
        fund=AdvertiserConfig(name="Fonds", profile="nl", sector=Sector.CHARITY),
        usco=AdvertiserConfig(name="US Co", profile="us-tcpa"),
        acme=AdvertiserConfig(name="Acme"),
    )
    at = datetime(2026, 8, 1, 12, tzinfo=UTC)
    assert chosen.profile_for("fund", at).name == "nl-2026"
    assert chosen.profile_for("usco", at).name == "us-tcpa"
    assert chosen.profile_for("acme", at).name == "nl-ctm2012"
    assert chosen.profile_for("unconfigured", at).name == "nl-ctm2012"
    assert chosen.sector_of("fund") is Sector.CHARITY
    assert chosen.sector_of("acme") is Sector.COMMERCIAL
    assert chosen.sector_of("unconfigured") is Sector.COMMERCIAL


@pytest.mark.parametrize(
    ("profile", "advertisers", "where"),
    [
        ("nl-1999", {}, "IVR_PROFILE"),
        ("nl", {"acme": AdvertiserConfig(name="Acme", profile="uk")}, "advertisers.acme.profile"),
    ],
)
def test_an_unknown_profile_or_family_is_a_config_error(
    profile: str, advertisers: dict[str, AdvertiserConfig], where: str
) -> None:
    with pytest.raises(ConfigError, match=where):
        Regimes.from_settings(Settings(profile=profile, advertisers=advertisers))


def test_a_sector_outside_the_four_is_refused() -> None:
    with pytest.raises(ValueError, match="sector"):
        AdvertiserConfig.model_validate({"name": "X", "sector": "bank"})


def test_periods_rights_languages_and_retention_of_each_profile() -> None:
    ctm, nl21, nl26, us = (load_profile(n) for n in ("nl-ctm2012", "nl-2021", "nl-2026", "us-tcpa"))
    assert (ctm.period.start, ctm.period.end) == (None, date(2021, 6, 30))
    assert (nl21.period.start, nl21.period.end) == (date(2021, 7, 1), date(2026, 6, 30))
    assert (nl26.period.start, nl26.period.end) == (date(2026, 7, 1), None)
    assert (us.period.start, us.period.end) == (None, None)
    assert ctm.rights == (Right.RECHT_VAN_VERZET, Right.BEL_ME_NIET)
    assert nl21.rights == nl26.rights == (Right.RECHT_VAN_VERZET,)
    assert us.rights == (Right.DO_NOT_CALL,)
    assert (us.languages, us.default_lang, us.number_region) == (("en",), "en", "US")
    assert (ctm.languages, ctm.default_lang, ctm.number_region) == (("nl",), "nl", "NL")
    assert us.retention_days == 1825
    assert ctm.hours_verified and us.hours_verified
    assert not nl21.hours_verified and not nl26.hours_verified
    assert nl21.hours == ctm.hours == nl26.hours  # the 2012 hours carried over as data
    assert nl21.category_ids == nl26.category_ids == ctm.category_ids


def test_opt_in_rules_of_each_profile_are_data() -> None:
    ctm, nl21, nl26, us = (load_profile(n) for n in ("nl-ctm2012", "nl-2021", "nl-2026", "us-tcpa"))
    assert not ctm.opt_in.consent_required and not us.opt_in.consent_required
    assert nl21.opt_in.consent_required and not nl21.opt_in.consent_must_be_verified
    assert nl26.opt_in.consent_required and nl26.opt_in.consent_must_be_verified
    assert nl21.opt_in.customer_relation_years == nl26.opt_in.customer_relation_years == 3
    assert nl21.opt_in.customer_relation_sectors == tuple(Sector)
    assert nl26.opt_in.customer_relation_sectors == (
        Sector.CHARITY,
        Sector.CHARITY_LOTTERY,
        Sector.PUBLISHER,
    )


def test_a_profile_expires_the_day_after_its_period_ends_in_its_time_zone() -> None:
    ctm = load_profile("nl-ctm2012")
    assert not ctm.expired_at(datetime(2021, 6, 30, 23, 59, tzinfo=AMSTERDAM))
    assert ctm.expired_at(datetime(2021, 7, 1, 0, 0, tzinfo=AMSTERDAM))
    assert not load_profile("nl-2026").expired_at(datetime(2099, 1, 1, tzinfo=UTC))


def test_rights_default_to_the_offers_and_a_default_lang_must_be_a_language() -> None:
    plain = parse_profile('name = "x"\ncategories = [{ id = "a", name = "a" }]')
    assert plain.rights == (Right.RECHT_VAN_VERZET, Right.BEL_ME_NIET)
    with pytest.raises(ValueError, match="default_lang"):
        parse_profile('name = "x"\nlanguages = ["en"]\ncategories = [{ id = "a", name = "a" }]')
    with pytest.raises(ValueError, match="period"):
        parse_profile(
            'name = "x"\ncategories = [{ id = "a", name = "a" }]\n'
            "[period]\nstart = 2022-01-01\nend = 2021-01-01\n"
        )


def test_ivr_profiles_lists_periods_rights_and_whether_hours_are_verified(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_PROFILE", "nl")
    assert main(["profiles", "--json"]) == 0
    rows = {row["name"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(rows) == {"nl-ctm2012", "nl-2021", "nl-2026", "us-tcpa"}
    assert (rows["nl-2021"]["from"], rows["nl-2021"]["until"]) == ("2021-07-01", "2026-06-30")
    assert rows["nl-2026"]["hours_verified"] is False
    assert rows["us-tcpa"]["rights"] == ["do_not_call"]
    assert main(["profiles"]) == 0
    text = capsys.readouterr().out
    assert "in force: 2021-07-01 – 2026-06-30" in text
    assert "hours:    NOT verified" in text
    assert "IVR_PROFILE=nl: today nl-" in text
