import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.rules.voicemail import (
    DEFAULT_VOICEMAIL_TARGETS,
    is_voicemail_endpoint,
    is_voicemail_target,
    local_endpoint_target,
)


@pytest.mark.parametrize(
    ("context", "extension"),
    [
        ("vm", "1000"),
        ("VM", None),
        ("vm-sales", "s"),
        ("sales-vm", "1"),
        ("default-Voicemail", "1000"),
        ("default", "voicemail"),
        (None, "vm"),
    ],
)
def test_default_globs_refuse_voicemail_targets(context: str | None, extension: str | None) -> None:
    assert is_voicemail_target(context, extension, DEFAULT_VOICEMAIL_TARGETS)


@pytest.mark.parametrize(
    ("context", "extension"),
    [
        ("agents", "100"),
        ("vmx", "1"),
        ("optout-in", "5000"),
        ("vmail", None),
        (None, None),
        ("from-phone", "2000"),
    ],
)
def test_default_globs_let_other_targets_through(
    context: str | None, extension: str | None
) -> None:
    assert not is_voicemail_target(context, extension, DEFAULT_VOICEMAIL_TARGETS)


def test_globs_over_context_and_extension() -> None:
    assert is_voicemail_target("default", "1000", ["default,1000"])
    assert not is_voicemail_target("default", "2000", ["default,1000"])
    assert is_voicemail_target("Default", "1000", ["DEFAULT,1*"])
    assert not is_voicemail_target("default", "1000", [])
    assert not is_voicemail_target("default", "1000", ["  "])


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("Local/1000@vm", ("vm", "1000")),
        ("local/s@vm-main/n", ("vm-main", "s")),
        ("Local/@ctx", ("ctx", "")),
        ("PJSIP/1000", None),
        ("Local/1000", None),
        ("SIP", None),
    ],
)
def test_local_endpoint_target(endpoint: str, expected: tuple[str, str] | None) -> None:
    assert local_endpoint_target(endpoint) == expected


@pytest.mark.parametrize(
    ("endpoint", "refused"),
    [
        ("Local/1000@vm", True),
        ("Local/1000@VM/n", True),
        ("Local/voicemail@default", True),
        ("Local/5000@optout-in", False),
        ("Local/100@agents/n", False),
        ("PJSIP/voicemail-box", True),
        ("PJSIP/alice", False),
        ("vm", True),
    ],
)
def test_redirect_endpoints(endpoint: str, refused: bool) -> None:
    assert is_voicemail_endpoint(endpoint, DEFAULT_VOICEMAIL_TARGETS) is refused


def test_other_endpoints_match_as_a_whole() -> None:
    assert is_voicemail_endpoint("PJSIP/mailbox-1", ["pjsip/mailbox-*"])
    assert not is_voicemail_endpoint("PJSIP/mailbox-1", ["mailbox-*"])


@given(st.text(), st.text())
def test_any_context_holding_voicemail_is_refused(prefix: str, suffix: str) -> None:
    assert is_voicemail_target(f"{prefix}voicemail{suffix}", None)
    assert is_voicemail_endpoint(f"Local/1@{prefix.replace('/', '')}VoiceMail")
