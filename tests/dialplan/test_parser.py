"""Reading extensions.conf the way Asterisk does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr.dialplan.apps import branches, jump_target, local_legs, split_args
from ivr.dialplan.checker import check
from ivr.dialplan.parser import DialplanParseError, parse_files
from ivr.dialplan.patterns import matches, specificity

Write = Callable[[str, str], Path]


def test_priorities_same_and_labels(write: Write) -> None:
    conf = write(
        "extensions.conf",
        """
[globals]
HANDOFF=5000

[handoff]
exten => ${HANDOFF},1,NoOp(start)
 same => n(ivr),Stasis(optout,advertiser=acme,number=0612345678)
 same => n,Goto(ivr)
exten => 5000,hint,PJSIP/agent
exten => 6000,1,Answer
exten => 6000,n,Wait(1)
exten => 6000,ivr+2,Hangup()
""",
    )
    dialplan = parse_files([conf])
    handoff = dialplan.contexts["handoff"]
    first = handoff.extensions["5000"].priorities
    assert [(p.number, p.label, p.app) for p in first.values()] == [
        (1, None, "NoOp"),
        (2, "ivr", "Stasis"),
        (3, None, "Goto"),
    ]
    assert first[2].data == "optout,advertiser=acme,number=0612345678"
    assert first[2].where.line == 6
    second = handoff.extensions["6000"].priorities
    assert [(p.number, p.app) for p in second.values()] == [(1, "Answer"), (2, "Wait")]
    assert any("invalid priority 'ivr'" in w.message for w in dialplan.warnings)
    assert "globals" not in dialplan.contexts


def test_templates_appending_and_includes(write: Write) -> None:
    conf = write(
        "extensions.conf",
        """
[base](!)
exten => h,1,NoOp(hung up)

[handoff](base)
include => common,09:00-17:00,mon-fri,*,*
exten => 5000,1,Stasis(optout)

[handoff](+)
exten => 5001,1,Stasis(optout)
""",
    )
    dialplan = parse_files([conf])
    assert "base" not in dialplan.contexts
    handoff = dialplan.contexts["handoff"]
    assert list(handoff.extensions) == ["h", "5000", "5001"]
    assert handoff.extensions["h"].priorities[1].where.line == 2
    assert [include.context for include in handoff.includes] == ["common"]


def test_duplicate_priority_keeps_the_first(write: Write) -> None:
    conf = write("extensions.conf", "[c]\nexten => 1,1,NoOp(a)\nexten => 1,1,NoOp(b)\n")
    dialplan = parse_files([conf])
    assert dialplan.contexts["c"].extensions["1"].priorities[1].data == "a"
    assert "already at" in dialplan.warnings[0].message


def test_include_depth_is_bounded(write: Write) -> None:
    conf = write("extensions.conf", '[c]\n#include "extensions.conf"\n')
    with pytest.raises(DialplanParseError, match="levels of #include"):
        parse_files([conf])


def test_block_comments_nest_and_join_the_line(write: Write) -> None:
    conf = write(
        "extensions.conf",
        "[c]\nexten => 1,1,NoOp(a;-- inner ;-- deeper --; still --;b)\n"
        ";--\nexten => 2,1,NoOp()\n--;\n",
    )
    dialplan = parse_files([conf])
    extensions = dialplan.contexts["c"].extensions
    assert list(extensions) == ["1"]
    assert extensions["1"].priorities[1].data == "ab"


def test_patterns() -> None:
    assert matches("_X.", "123")
    assert not matches("_X.", "1")
    assert matches("_X!", "1")
    assert matches("_NXX", "200")
    assert not matches("_NXX", "100")
    assert matches("_Z[0-4]", "14")
    assert not matches("_Z[0-4]", "15")
    assert matches("_1-800-XXX", "1800555")
    assert matches("_X.", "123") and not matches("123", "_X.")
    ordered = sorted(["_X.", "_1XX", "_!", "_1[0-2]X"], key=specificity)
    assert ordered == ["_1[0-2]X", "_1XX", "_X.", "_!"]


def test_application_arguments() -> None:
    assert split_args('a,$[${X} = "1,2"],F(x,y),"q,r"') == [
        "a",
        '$[${X} = "1,2"]',
        "F(x,y)",
        '"q,r"',
    ]
    parsed = branches('$["${A}" = "?"]?yes,1:ctx,s,1')
    assert parsed is not None and (parsed.if_true, parsed.if_false) == ("yes,1", "ctx,s,1")
    target = jump_target("sub,s,1(arg1,arg2)")
    assert target is not None and (target.context, target.exten, target.priority) == (
        "sub",
        "s",
        "1",
    )
    legs = local_legs("PJSIP/a&Local/100@staff/n&local/200,30")
    assert [(leg.exten, leg.context) for leg in legs] == [("100", "staff"), ("200", "default")]


_LINES = st.sampled_from(
    [
        "[handoff]",
        "[tmpl](!)",
        "[other](tmpl)",
        "[x](+)",
        "[broken",
        "exten => 5000,1,Stasis(optout)",
        "exten => _X.,n,VoiceMail(1@default)",
        " same => n(l),GotoIf($[${A}]?l:vm,s,1)",
        " same => n,Gosub(handoff,5000,l(a))",
        " same => n,Dial(Local/5000@handoff&Local/${X}@y)",
        " same => n,Return()",
        "same => s,ExecIf(1?Goto(vm,1,1))",
        "include => other",
        "include => handoff",
        '#include "missing.conf"',
        "#tryinclude nothing*.conf",
        "#exec /bin/true",
        ";-- open",
        "--;",
        "exten => 1,hint,PJSIP/a",
        "exten => 1,9999999999,NoOp",
        "novalue",
        "= x",
        "same => n,Background(x)",
    ]
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
def test_arbitrary_text_parses_or_is_a_parse_error(text: str, tmp_path: Path) -> None:
    _parse_and_check(text, tmp_path)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(_LINES, st.text(max_size=40)), max_size=30))
def test_dialplan_like_text_parses_or_is_a_parse_error(lines: list[str], tmp_path: Path) -> None:
    _parse_and_check("\n".join(lines), tmp_path)


def _parse_and_check(text: str, folder: Path) -> None:
    path = folder / "fuzz.conf"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        dialplan = parse_files([path])
    except DialplanParseError as exc:
        assert str(path) in str(exc)
        return
    report = check(dialplan)
    for found in report.paths:
        assert str(found).startswith(f"{found.where}: voicemail reachable from ")
