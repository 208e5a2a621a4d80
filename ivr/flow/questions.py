"""What each question says: the prompt names of one play, read-backs included."""

from __future__ import annotations

from ivr.domain import SCOPE_ALL
from ivr.flow.profile import Wording
from ivr.flow.state import MachineState, Question, RegisterChoice
from ivr.prompts.names import DIGIT_PROMPTS, category_prompt
from ivr.rules.numbers import national_digits


def question_key(state: MachineState) -> str:
    """The name a question's plays are counted under (each category on its own)."""
    if state.question is Question.CATEGORY:
        return category_prompt(current_category(state))
    assert state.question is not None
    return state.question.value


def current_category(state: MachineState) -> str:
    return state.profile.categories[state.register.category_index].id


def question_prompts(state: MachineState) -> tuple[str, ...]:
    wording = state.profile.wording
    match state.question:
        case Question.MENU:
            advertiser = state.config.advertiser_prompt or wording.advertiser_generic
            if state.advertiser_failed:
                advertiser = wording.advertiser_generic
            return (wording.welcome, advertiser, wording.menu)
        case Question.OFFER_REGISTER:
            return (wording.offer_register,)
        case Question.REGISTER_SCOPE:
            return (wording.register_scope,)
        case Question.CHARITIES:
            return (wording.charities,)
        case Question.CATEGORY:
            return (category_prompt(current_category(state)), wording.category_keys)
        case Question.CONFIRM_REGISTER:
            return (
                *read_back_number(wording, _number(state)),
                *read_back_scope(wording, state.register),
                wording.confirm_register,
            )
        case Question.OFFER_RVV:
            return (wording.offer_rvv,)
        case Question.CONFIRM_NUMBER:
            return (*read_back_number(wording, _number(state)), wording.confirm_number)
        case Question.ENTER_NUMBER:
            return (wording.enter_number,)
    raise ValueError(f"no question is asked in phase {state.phase}")


def read_back_number(wording: Wording, number: str) -> tuple[str, ...]:
    """``readback-number`` and the national digits one by one: 0 6 1 2 …"""
    return (wording.readback_number, *(DIGIT_PROMPTS[int(d)] for d in national_digits(number)))


def read_back_scope(wording: Wording, choice: RegisterChoice) -> tuple[str, ...]:
    if choice.scope == SCOPE_ALL:
        return (wording.readback_all_charities if choice.charities else wording.readback_all,)
    return (wording.readback_categories, *(category_prompt(c) for c in choice.chosen))


def _number(state: MachineState) -> str:
    if state.number is None:
        raise ValueError("a read-back needs a number")
    return state.number
