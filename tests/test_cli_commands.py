"""``ivr COMMAND`` builds the parser of its own command module alone: the same parser,
option for option and help text for help text, as the one of every command."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from ivr.cli import COMMAND_MODULES, COMMANDS, build_parser, parser_for

HTTP_STACK = ("aiohttp", "ivr.api.app", "ivr.service", "ivr.simulator")
SERVERS = {"serve", "demo", "simulate", "api"}


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {} if not actions else dict(actions[0].choices)


def _named(value: object) -> object:
    """A function by its name (a lambda made by ``register`` is a new object each time)."""
    if callable(value):
        return f"{value.__module__}.{getattr(value, '__qualname__', value)}"
    return value


def _described(parser: argparse.ArgumentParser) -> list[object]:
    """Everything argparse knows of a parser and its sub-commands, the run function included."""
    defaults = {key: _named(value) for key, value in parser._defaults.items()}
    found: list[object] = [parser.prog, parser.format_help(), sorted(defaults.items())]
    for action in parser._actions:
        found.append((type(action).__name__, action.option_strings, action.dest, action.nargs))
        commands = isinstance(action, argparse._SubParsersAction)
        found.append((action.default, None if commands else action.choices))
        found.append((action.required, _named(action.type), action.help, action.metavar))
    for name, sub in _commands(parser).items():
        found += [name, *_described(sub)]
    return found


def test_the_table_names_every_command_in_the_order_of_ivr_help() -> None:
    assert list(_commands(build_parser())) == list(COMMANDS)


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_each_module_registers_exactly_its_commands(module: str) -> None:
    registered = list(_commands(build_parser([module])))
    assert registered == [command for command, owner in COMMANDS.items() if owner == module]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_parses_alike_with_only_its_own_module(command: str) -> None:
    alone = _commands(parser_for([command]))
    assert list(alone) == [c for c, m in COMMANDS.items() if m == COMMANDS[command]]
    assert _described(alone[command]) == _described(_commands(build_parser())[command])


def test_without_a_command_every_command_is_there() -> None:
    assert list(_commands(parser_for([]))) == list(COMMANDS)
    assert list(_commands(parser_for(["--version"]))) == list(COMMANDS)
    assert list(_commands(parser_for(["no-such-command"]))) == list(COMMANDS)


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - SERVERS))
def test_a_command_that_serves_nothing_starts_without_the_http_stack(command: str) -> None:
    code = f"from ivr.cli import parser_for; parser_for([{command!r}])"
    assert _loaded_after(code, HTTP_STACK) == []


def _loaded_after(code: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules named ``prefixes…`` that a fresh interpreter holds after ``code``."""
    script = (
        f"import json, sys; {code}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    found: list[str] = json.loads(done.stdout)
    return found


def test_the_cli_module_starts_without_the_config_and_the_store() -> None:
    assert _loaded_after("import ivr.cli", ("ivr.config", "ivr.store", "pydantic")) == []


def test_ivr_import_starts_without_the_api_models() -> None:
    code = "from ivr.cli import parser_for; parser_for(['import'])"
    assert _loaded_after(code, ("ivr.api",)) == []
