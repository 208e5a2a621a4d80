"""``ivr dialplan check``: every way from the hand-off to voicemail, with file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.dialplan.conftest import Outcome

REPO = Path(__file__).resolve().parents[2]
Write = Callable[[str, str], Path]
Check = Callable[..., Outcome]


def line_of(path: Path, needle: str) -> str:
    """``FILE:LINE`` of the one line that holds ``needle``."""
    hits = [
        number
        for number, line in enumerate(path.read_text().split("\n"), start=1)
        if needle in line
    ]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}"
    return f"{path}:{hits[0]}"


def reported_at(outcome: Outcome) -> list[str]:
    return [line.split(": voicemail reachable", 1)[0] for line in outcome.paths]


def test_shipped_extensions_conf_passes(run_check: Check) -> None:
    outcome = run_check(REPO / "dialplan" / "extensions.conf")
    assert outcome.code == 0
    assert outcome.paths == []
    assert outcome.warnings == []


def test_shipped_hand_off_has_no_amd_and_the_ari_only_line_commented_out() -> None:
    text = (REPO / "dialplan" / "extensions.conf").read_text()
    live = [line.split(";", 1)[0] for line in text.split("\n")]
    handoff = text.split("[ivr-handoff]", 1)[1].split("[example-dialer-answered]", 1)[0]
    assert "AMD(" not in "".join(line.split(";", 1)[0] for line in handoff.split("\n"))
    assert "; same => n,Set(PJSIP_TRANSFER_HANDLING()=ari-only)" in text
    assert not any("PJSIP_TRANSFER_HANDLING" in line for line in live)
    assert any("Queue(agents,,,,${IVR_FALLBACK_QUEUE_S})" in line for line in live)
    assert not any("voicemail" in line.lower() for line in live)


def test_voicemail_right_after_a_failed_stasis(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout,advertiser=acme)
 same => n,VoiceMail(100@default)
 same => n,Hangup()
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert outcome.paths == [
        f"{line_of(conf, 'VoiceMail(')}: voicemail reachable from handoff,5000 via "
        "handoff,5000,1 Stasis(optout) fails -> handoff,5000,2 VoiceMail(100@default)"
    ]


def test_jump_to_a_voicemail_context_after_a_failed_stasis(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Answer()
 same => n,Stasis(optout)
 same => n,Goto(vm-main,s,1)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "Goto(vm-main")]
    assert "(voicemail target)" in outcome.paths[0]


def test_through_goto_into_another_context(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Goto(fallback,s,1)

[fallback]
exten => s,1,Playback(sorry)
 same => n,VoiceMailMain()
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "VoiceMailMain(")]
    assert "handoff,5000,2 Goto(fallback,s,1) -> fallback,s,2 VoiceMailMain()" in outcome.paths[0]


def test_through_gosub_and_after_its_return(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Gosub(sorry,s,1(acme))
 same => n,VoiceMail(200@default)

[sorry]
exten => s,1,GotoIf($["${ARG1}" = "acme"]?box)
 same => n,Return()
 same => n(box),VoiceMail(100@default)
 same => n,Return()
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert sorted(reported_at(outcome)) == sorted(
        [line_of(conf, "VoiceMail(100"), line_of(conf, "VoiceMail(200")]
    )
    after_return = next(line for line in outcome.paths if "200@default" in line)
    assert "sorry,s,2 Return -> handoff,5000,3 VoiceMail(200@default)" in after_return


def test_through_a_local_channel(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Dial(Local/100@staff/n,20)
 same => n,Hangup()

[staff]
exten => 100,1,Dial(PJSIP/alice,15)
 same => n,VoiceMail(100@default,u)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "VoiceMail(")]
    assert "Dial(Local/100@staff) -> staff,100,1 Dial() returns" in outcome.paths[0]


def test_local_channel_into_a_voicemail_context(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Dial(PJSIP/agent&Local/${EXTEN}@company-voicemail)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "Dial(")]


def test_dial_falls_through_when_the_call_fails(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Dial(PJSIP/agents,30)
 same => n,VoiceMail(1@default)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert "Dial() returns -> handoff,5000,3 VoiceMail(1@default)" in outcome.paths[0]


def test_in_an_included_file(write: Write, run_check: Check) -> None:
    write(
        "parts/fallback.conf",
        """
[fallback]
exten => s,1,VoiceMail(100@default)
""",
    )
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Goto(fallback,s,1)

#include "parts/fallback.conf"
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf.parent / "parts" / "fallback.conf", "VoiceMail")]


def test_included_by_glob(write: Write, run_check: Check) -> None:
    write(
        "conf.d/10-handoff.conf",
        "[handoff]\nexten => 5000,1,Stasis(optout)\n same => n,Goto(boxes,1,1)\n",
    )
    boxes = write("conf.d/20-boxes.conf", "[boxes]\nexten => 1,1,VoiceMail(1@default)\n")
    conf = write("extensions.conf", '#include "conf.d/*.conf"\n')
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(boxes, "VoiceMail")]


def test_through_a_pattern_extension(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Goto(desks,1234,1)

[desks]
exten => _9XXX,1,Hangup()
exten => _1XXX,1,VoiceMail(${EXTEN}@default)
exten => _X.,1,Hangup()
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "VoiceMail(")]
    assert "desks,_1XXX,1 VoiceMail" in outcome.paths[0]


def test_hand_off_itself_on_a_pattern_extension(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => _50XX,1,Stasis(optout)
 same => n,Goto(vm,${EXTEN},1)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert outcome.paths[0].split(" via ")[0].endswith("from handoff,_50XX")


def test_through_a_label(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Goto(backup)
 same => n,Hangup()
 same => n(backup),Playback(sorry)
 same => n,VoiceMail(100@default)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "VoiceMail(")]
    assert "Goto(backup) -> handoff,5000,5 VoiceMail" in outcome.paths[0]


def test_through_include_of_a_context(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
include => common
exten => 5000,1,Stasis(optout)
 same => n,Goto(mailbox,1)

[common]
exten => mailbox,1,VoiceMail(100@default)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "VoiceMail(")]


def test_next_priority_found_through_include(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
include => later
exten => 5000,1,Stasis(optout)

[later]
exten => _X.,2,VoiceMail(100@default)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "VoiceMail(")]


@pytest.mark.parametrize("branch", ["?vm-main,s,1", "?:vm-main,s,1", "?next,1:vm-main,s,1"])
def test_either_gotoif_branch(branch: str, write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        f"""
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,GotoIf($["${{STASISSTATUS}}" = "FAILED"]{branch})
 same => n,Hangup()
exten => next,1,Hangup()
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "GotoIf(")]


def test_template_context(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[fallbacks](!)
exten => 5000,2,VoiceMail(100@default)

[handoff](fallbacks)
exten => 5000,1,Stasis(optout)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "VoiceMail(")]


def test_exec_if_and_keys_pressed_during_background(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,ExecIf($[${RAND(0,1)}]?VoiceMail(7@default))
 same => n,Background(press-9-for-voicemail)
 same => n,Hangup()
exten => 9,1,VoiceMail(9@default)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert set(reported_at(outcome)) == {line_of(conf, "VoiceMail(7"), line_of(conf, "VoiceMail(9")}
    keyed = next(line for line in outcome.paths if "VoiceMail(9" in line)
    assert "Background: caller keys 9 -> handoff,9,1 VoiceMail(9@default)" in keyed


def test_voicemail_no_hand_off_reaches_is_fine(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Queue(agents)
 same => n,Hangup()
 same => n,VoiceMail(never@default)

[staff]
exten => _1XX,1,Dial(PJSIP/${EXTEN},20)
 same => n,VoiceMail(${EXTEN}@default)
exten => *98,1,VoiceMailMain()
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 0
    assert outcome.paths == []


def test_a_variable_jump_is_an_error_naming_its_line(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Goto(${FALLBACK_CONTEXT},s,1)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert outcome.lines == [
        f"{line_of(conf, 'Goto(')}: cannot follow jump to ${{FALLBACK_CONTEXT}},s,1 from "
        "handoff,5000 (the target depends on a variable)"
    ]


def test_allow_dynamic_jumps_makes_it_a_warning(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Goto(${FALLBACK_CONTEXT},s,1)
""",
    )
    outcome = run_check(conf, "--allow-dynamic-jumps")
    assert outcome.code == 0
    assert outcome.warnings == [
        f"{line_of(conf, 'Goto(')}: warning: cannot follow jump to ${{FALLBACK_CONTEXT}},s,1: "
        "the target depends on a variable"
    ]


def test_a_jump_to_a_context_not_in_the_files_is_an_error(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Goto(elsewhere,s,1)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert outcome.lines == [
        f"{line_of(conf, 'Goto(')}: cannot follow jump to elsewhere,s,1 from handoff,5000 "
        "(no context [elsewhere] in the files)"
    ]


def test_no_hand_off_context_is_a_failure_not_a_pass(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(someotherapp)
 same => n,Hangup()
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 1
    assert "no context runs Stasis(optout)" in outcome.err


def test_loops_terminate(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n(again),Wait(1)
 same => n,GotoIf($[${X} > 3]?again:loop,s,1)

[loop]
exten => s,1,Gosub(loop,s,1)
 same => n,Goto(handoff,5000,again)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 0
    assert any("Gosub nested too deep" in line for line in outcome.warnings)


def test_context_option_checks_the_named_context(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[transfer-target]
exten => 5000,1,AGI(agi://ivr-gateway)
 same => n,VoiceMail(100@default)
""",
    )
    assert run_check(conf).code == 1
    outcome = run_check(conf, "--context", "transfer-target")
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "VoiceMail(")]
    missing = run_check(conf, "--context", "nowhere")
    assert missing.code == 1
    assert "no context [nowhere]" in missing.err


def test_app_option_and_ivr_ari_app(
    write: Write, run_check: Check, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(bezwaar)
 same => n,VoiceMail(100@default)
""",
    )
    assert "no context runs Stasis(optout)" in run_check(conf).err
    assert run_check(conf, "--app", "bezwaar").paths != []
    monkeypatch.setenv("IVR_ARI_APP", "bezwaar")
    assert run_check(conf).code == 1


def test_voicemail_targets_come_from_the_settings(
    write: Write, run_check: Check, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
 same => n,Goto(mailboxes,s,1)

[mailboxes]
exten => s,1,Hangup()
""",
    )
    assert run_check(conf).code == 0
    monkeypatch.setenv("IVR_VOICEMAIL_TARGETS", '["mailbox*"]')
    outcome = run_check(conf)
    assert outcome.code == 1
    assert reported_at(outcome) == [line_of(conf, "Goto(")]


def test_commented_out_voicemail_does_not_count(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        """
[handoff]
exten => 5000,1,Stasis(optout)
; same => n,VoiceMail(1@default)
;-- the old fallback:
 same => n,VoiceMail(2@default)
--;
 same => n,Playback(sorry\\;really)
""",
    )
    outcome = run_check(conf)
    assert outcome.code == 0
    assert outcome.paths == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[handoff\nexten => 1,1,NoOp()\n", "no closing ']'"),
        ("exten => 1,1,NoOp()\n", "line outside any [context]"),
        ('[handoff]\n#include "missing.conf"\n', "missing.conf: no such file"),
        ("[handoff](nosuchtemplate)\n", "template [nosuchtemplate] is not defined above"),
    ],
)
def test_a_file_asterisk_would_refuse_exits_2(
    text: str,
    message: str,
    write: Write,
    run_check: Check,
) -> None:
    conf = write("extensions.conf", text)
    outcome = run_check(conf)
    assert outcome.code == 2
    assert message in outcome.err


def test_parse_error_names_file_and_line(write: Write, run_check: Check) -> None:
    conf = write("extensions.conf", "[ok]\nexten => 1,1,NoOp()\n[broken\n")
    outcome = run_check(conf)
    assert outcome.code == 2
    assert f"{conf}:3: no closing ']'" in outcome.err


def test_unreadable_file_exits_2(tmp_path: Path, run_check: Check) -> None:
    assert run_check(tmp_path / "nope.conf").code == 2
    assert run_check(tmp_path).code == 2


def test_tryinclude_of_a_missing_file_is_fine(write: Write, run_check: Check) -> None:
    conf = write(
        "extensions.conf",
        '[handoff]\nexten => 5000,1,Stasis(optout)\n#tryinclude "local-overrides.conf"\n',
    )
    assert run_check(conf).code == 0


def test_dialplan_without_a_subcommand_is_a_usage_error(run_check: Check) -> None:
    from ivr.cli import main

    assert main(["dialplan"]) == 2
