"""The command table of cli.main: each run builds one noun, so the table must name what the modules define."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.main import get_command

from cli.main import NOUNS, build, command_word, nouns_for


def names(nouns: tuple) -> set[str]:  # type: ignore[type-arg]
    return set(get_command(build(nouns)).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("noun", [n for n in NOUNS if n.name is None], ids=lambda n: n.app or "serve")
def test_a_root_noun_lists_exactly_the_commands_its_module_defines(noun) -> None:  # type: ignore[no-untyped-def]
    assert names((noun,)) == set(noun.commands)


def test_every_command_of_the_whole_tree_is_built_when_it_alone_is_run() -> None:
    whole = names(NOUNS)
    assert {"show", "issue", "serve", "audit", "keys", "request"} <= whole
    for command in whole:
        chosen = nouns_for(["--office", "1501", command, "--help"])
        assert len(chosen) == 1, command
        assert command in names(chosen)


def test_the_command_word_skips_global_options_and_their_values() -> None:
    assert command_word(["--json", "--home", "show", "show", "1"]) == "show"  # a home named "show"
    assert command_word(["--office", "1501", "--operator", "张三", "keys", "list"]) == "keys"
    assert command_word(["--json"]) is None


def test_help_and_a_mistyped_command_build_everything() -> None:
    assert nouns_for(["--help"]) == NOUNS
    assert nouns_for(["shwo", "1"]) == NOUNS


def test_a_mistyped_command_is_a_usage_error_with_the_whole_list() -> None:
    proc = subprocess.run([sys.executable, "-c", "import sys; sys.argv=['certledger','shwo']; "
                           "from cli.main import run; run()"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "No such command 'shwo'" in proc.stderr
