"""The one error boundary: every command of every noun runs inside it, without declaring it."""

from __future__ import annotations

import json

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from cli.boundary import GuardedGroup
from cli.main import app
from cli.output import configure
from ledger.errors import InvalidInput, RuleViolation


def an_app() -> typer.Typer:
    """A root like certledger's, with commands that declare nothing about errors."""
    root = typer.Typer(cls=GuardedGroup)
    nested = typer.Typer()
    root.add_typer(nested, name="noun")

    @root.callback()
    def main(json_output: bool = typer.Option(False, "--json")) -> None:
        configure(json_output=json_output, home=None, office=None, operator=None)

    @root.command()
    def refuse() -> None:
        raise RuleViolation("some-rule", "not allowed")

    @nested.command()
    def invalid() -> None:
        raise InvalidInput("--when", "a date")

    @nested.command()
    def crash() -> None:
        raise KeyError("oops")

    @nested.command()
    def needs(value: int) -> None:
        pass

    return root


@pytest.mark.parametrize(("args", "code", "line"), [
    (["refuse"], 4, "error: not allowed (rule: some-rule)\n"),
    (["noun", "invalid"], 3, "error: --when: a date\n"),
    (["noun", "crash"], 1, "error: internal error (KeyError: 'oops'); rerun with CERTLEDGER_DEBUG=1 for details\n"),
])
def test_a_command_added_anywhere_fails_with_one_line_and_its_exit_code(
        args: list[str], code: int, line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CERTLEDGER_DEBUG", raising=False)
    r = CliRunner().invoke(an_app(), args)
    assert (r.exit_code, r.stderr) == (code, line)
    assert r.stdout == ""


def test_with_json_the_error_is_also_a_json_object_on_stdout() -> None:
    r = CliRunner().invoke(an_app(), ["--json", "noun", "invalid"])
    assert r.exit_code == 3 and json.loads(r.stdout) == {"error": "invalid_input", "field": "--when",
                                                         "rule": "a date", "message": "--when: a date"}


def test_usage_errors_and_help_pass_through_the_boundary_untouched() -> None:
    bad = CliRunner().invoke(an_app(), ["noun", "needs", "not-a-number"])
    assert bad.exit_code == 2 and "error:" not in bad.stderr.splitlines()[0]
    assert CliRunner().invoke(an_app(), ["noun", "needs", "--help"]).exit_code == 0


def test_the_certledger_root_is_the_guarded_group_and_holds_every_noun() -> None:
    root = get_command(app)
    assert isinstance(root, GuardedGroup)
    assert {"init", "issue", "prove", "prove-batch", "show", "handover", "request", "catalog", "keys", "audit",
            "batch", "serve", "verifications"} <= set(root.commands)  # type: ignore[attr-defined]
