"""The machine's own ``replace``: the new state of ``dataclasses.replace``, the old one kept."""

import dataclasses
from typing import Any

import pytest

from ivr.flow.machine import CallConfig, initial_state
from ivr.flow.profile import load_profile
from ivr.flow.state import Phase, PlayTrack, replace


def test_replace_is_dataclasses_replace_and_leaves_the_old_state_alone() -> None:
    state = initial_state(load_profile("nl-ctm2012"), CallConfig(number="+31612345678"))
    changes: dict[str, Any] = {
        "phase": Phase.ASKING,
        "buffer": ("1",),
        "tracks": {1: PlayTrack(1, ("menu",))},
    }
    new = replace(state, **changes)
    assert new == dataclasses.replace(state, **changes)
    assert new is not state
    assert (state.phase, state.buffer, state.tracks) == (Phase.NEW, (), {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        new.phase = Phase.ENDING  # type: ignore[misc]


def test_replace_refuses_a_field_the_state_does_not_have() -> None:
    state = initial_state(load_profile("nl-ctm2012"), CallConfig())
    with pytest.raises(TypeError, match="no field"):
        replace(state, nowms=5)  # type: ignore[call-arg]


def test_replace_of_other_dataclasses_is_dataclasses_replace() -> None:
    assert replace(PlayTrack(1, ("menu",)), stopped=True) == PlayTrack(1, ("menu",), stopped=True)
