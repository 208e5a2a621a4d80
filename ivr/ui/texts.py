"""The page's words in Dutch (the default) and English."""

from __future__ import annotations

from aiohttp import web

LANGS = ("nl", "en")
LANG_COOKIE = "ivr_lang"

_TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Opt-out IVR", "Opt-out IVR"),
    "skip": ("Naar de inhoud", "Skip to content"),
    "nav": ("Hoofdmenu", "Main menu"),
    "overview": ("Overzicht", "Overview"),
    "number": ("Nummer", "Number"),
    "call": ("Gesprek", "Call"),
    "enter": ("Invoeren", "Enter"),
    "scrub": ("Opschonen", "Scrub"),
    "export": ("Exporteren", "Export"),
    "login": ("Aanmelden", "Sign in"),
    "logout": ("Afmelden", "Sign out"),
    "token": ("API-token", "API token"),
    "token_wrong": ("Dit token is onbekend.", "This token is unknown."),
    "signed_in_as": ("Aangemeld als", "Signed in as"),
    "anonymous": ("anoniem (zonder tokens, alleen lokaal)", "anonymous (no tokens, local only)"),
    "read_only": ("alleen lezen", "read only"),
    "write": ("lezen en schrijven", "read and write"),
    "bound_to": ("alleen adverteerder", "advertiser only"),
    "profile_expired": (
        "Let op: het profiel {names} geldt niet meer (periode verstreken); beslissingen"
        " volgen nog zijn regels. Kies een geldend profiel.",
        "Note: the profile {names} is no longer in force (its period has ended); decisions"
        " still follow its rules. Choose a current profile.",
    ),
    "today": ("Vandaag", "Today"),
    "last_30": ("Laatste 30 dagen", "Last 30 days"),
    "calls_by_outcome": ("Gesprekken per uitkomst", "Calls by outcome"),
    "optouts_by_kind": ("Afmeldingen per soort", "Opt-outs by kind"),
    "rights_verdicts": ("Oordeel over de rechten", "Rights verdicts"),
    "prompt_failures": ("Mislukte meldingen", "Failed prompts"),
    "calls": ("Gesprekken", "Calls"),
    "count": ("Aantal", "Count"),
    "none": ("geen", "none"),
    "advertiser": ("Adverteerder", "Advertiser"),
    "number_hint": ("In elke gangbare vorm: 06…, +316…, 00316…", "Any common form: 06…, +316…"),
    "search": ("Zoeken", "Search"),
    "may_call_now": ("Mag nu gebeld worden?", "May be called now?"),
    "yes": ("Ja", "Yes"),
    "no": ("Nee", "No"),
    "reasons": ("Redenen", "Reasons"),
    "profile": ("Profiel", "Profile"),
    "entries": ("Vermeldingen op de lijst", "Suppression entries"),
    "history_note": (
        "Ook ingetrokken vermeldingen en intrekkingen.",
        "Revoked entries and revocations included.",
    ),
    "kind": ("Soort", "Kind"),
    "scope": ("Omvang", "Scope"),
    "charities": ("Goede doelen", "Charities"),
    "source": ("Bron", "Source"),
    "agent": ("Medewerker", "Agent"),
    "created": ("Vastgelegd", "Recorded"),
    "state": ("Status", "State"),
    "active": ("actief", "active"),
    "revoked": ("ingetrokken", "revoked"),
    "revokes": ("trekt in", "revokes"),
    "revoke": ("Intrekken", "Revoke"),
    "reason": ("Reden", "Reason"),
    "requested_by": ("Verzocht door", "Requested by"),
    "consents": ("Toestemmingen", "Consents"),
    "no_entries": ("Geen vermeldingen.", "No entries."),
    "no_calls": ("Geen gesprekken.", "No calls."),
    "no_consents": ("Geen toestemmingen.", "No consents."),
    "started": ("Begonnen", "Started"),
    "ended": ("Geëindigd", "Ended"),
    "outcome": ("Uitkomst", "Outcome"),
    "open": ("open", "open"),
    "rights": ("Rechten", "Rights"),
    "timeline": ("Verloop", "Timeline"),
    "second": ("Seconde", "Second"),
    "event": ("Gebeurtenis", "Event"),
    "evidence": ("Bewijs", "Evidence"),
    "chain_ok": ("De keten klopt: {summary}", "The chain verifies: {summary}"),
    "chain_bad": ("De keten klopt NIET: {summary}", "The chain does NOT verify: {summary}"),
    "complete": ("volledig", "complete"),
    "incomplete": ("ONVOLLEDIG", "INCOMPLETE"),
    "sealed": ("verzegeld", "sealed"),
    "unsealed": ("niet verzegeld", "not sealed"),
    "export_call": ("Bewijs van dit gesprek downloaden (JSONL)", "Download this call's evidence"),
    "heard_to_end": ("tot het eind gehoord", "heard to the end"),
    "interrupted_at": ("onderbroken op {at}", "interrupted at {at}"),
    "failed_at": ("MISLUKT op {at}", "FAILED at {at}"),
    "played": ("speelt", "plays"),
    "key": ("toets", "key"),
    "ignored": ("genegeerd", "ignored"),
    "recorded": ("vastgelegd", "recorded"),
    "transfer": ("doorverbinden naar {to}: {result}", "transfer to {to}: {result}"),
    "hangup_by": ("opgehangen door {by}", "hung up by {by}"),
    "event_timeout": ("geen toets binnen de tijd", "no key in time"),
    "event_choice": ("keuze", "choice"),
    "event_limit": ("grens bereikt", "limit reached"),
    "event_out_of_tries": ("pogingen op", "out of tries"),
    "event_note": ("notitie", "note"),
    "event_error": ("fout", "error"),
    "event_digit": ("toets", "key"),
    "no_verdict": ("geen oordeel", "no verdict"),
    "caller_id": ("Nummerweergave", "Caller id"),
    "recht_van_verzet": ("recht van verzet", "recht van verzet"),
    "bel_me_niet": ("Bel-me-niet Register", "Bel-me-niet Register"),
    "do_not_call": ("niet bellen", "do not call"),
    "revocation": ("intrekking", "revocation"),
    "enter_title": ("Afmelding invoeren", "Enter an opt-out"),
    "enter_intro": (
        "Leg vast wat de consument tegen de medewerker zei.",
        "Record what the consumer told the agent.",
    ),
    "what": ("Wat wil de consument?", "What does the consumer want?"),
    "register_all": ("Register: alles (totaal)", "Register: everything (totaal)"),
    "register_some": ("Register: alleen deze onderwerpen (deel)", "Register: these topics (deel)"),
    "categories": ("Onderwerpen", "Topics"),
    "charities_question": (
        "Mogen goede doelen nog bellen?",
        "May charities still call?",
    ),
    "charities_yes_block": ("Nee, ook goede doelen niet", "No, charities neither"),
    "charities_no_block": ("Ja, goede doelen mogen nog bellen", "Yes, charities may still call"),
    "agent_id": ("Id van de medewerker", "Agent id"),
    "save": ("Vastleggen", "Save"),
    "saved": ("Vastgelegd", "Saved"),
    "already": (
        "Deze afmelding bestond al; er is geen tweede rij vastgelegd.",
        "This opt-out was already there; no second row was stored.",
    ),
    "write_needed": (
        "Uw token mag alleen lezen; invoeren en intrekken vragen een schrijftoken.",
        "Your token may only read; entering and revoking need a write token.",
    ),
    "scrub_title": ("Belbestand opschonen", "Scrub a call file"),
    "file": ("Belbestand (CSV)", "Call file (CSV)"),
    "mode": ("Wat te doen met onderdrukte nummers", "What to do with suppressed numbers"),
    "mode_remove": ("Verwijderen", "Remove"),
    "mode_mark": ("Markeren (kolommen suppressed en suppression_reason)", "Mark them"),
    "category_opt": ("Onderwerp (optioneel)", "Topic (optional)"),
    "upload": ("Opschonen", "Scrub"),
    "uploading": ("Bezig met uploaden…", "Uploading…"),
    "columns_found": ("Gevonden nummerkolommen", "Number columns found"),
    "rows": ("Rijen", "Rows"),
    "suppressed": ("Onderdrukt", "Suppressed"),
    "invalid": ("Ongeldig", "Invalid"),
    "download": ("Opgeschoond bestand downloaden", "Download the scrubbed file"),
    "kept_hour": ("Het bestand blijft een uur bewaard.", "The file is kept for one hour."),
    "export_title": ("De lijst exporteren", "Export the list"),
    "format": ("Formaat", "Format"),
    "error": ("Fout", "Error"),
    "not_found": ("Niet gevonden.", "Not found."),
    "forbidden": ("Niet toegestaan.", "Not allowed."),
    "language": ("Taal", "Language"),
    "back": ("Terug", "Back"),
}


def text(lang: str, key: str, **values: object) -> str:
    nl, en = _TEXTS.get(key, (key, key))
    chosen = en if lang == "en" else nl
    return chosen.format(**values) if values else chosen


def language_of(request: web.Request) -> str:
    """``?lang=``, else the language cookie, else ``Accept-Language``, else Dutch."""
    asked = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGS:
        return asked
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return "nl"
