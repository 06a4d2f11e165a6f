"""The command tree: the root typer app with the nouns a run needs registered (cli.main.NOUNS)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.boundary import GuardedGroup
from cli.main import NOUNS, Noun
from cli.output import configure


def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(import_module(module), attribute)


def _register(root: typer.Typer, noun: Noun) -> None:
    sub = _load(noun.app) if noun.app else typer.Typer()
    for command, target in noun.extra:
        sub.command(command)(_load(target))
    if noun.name is None:
        root.add_typer(sub)  # a Typer added without a name lends its commands to the root
    else:
        root.add_typer(sub, name=noun.name)


def _main(
    json_output: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
    home: Annotated[Path | None, typer.Option("--home", help="Data directory (env CERTLEDGER_HOME).")] = None,
    office: Annotated[str | None, typer.Option("--office", help="Acting office code (env CERTLEDGER_OFFICE).")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Acting operator (env CERTLEDGER_OPERATOR).")]
    = None,
) -> None:
    configure(json_output=json_output, home=home, office=office, operator=operator)


def build(nouns: Sequence[Noun] = NOUNS) -> typer.Typer:
    """The root with these nouns registered (all of them unless one run needs fewer)."""
    root = typer.Typer(name="certledger", cls=GuardedGroup, no_args_is_help=True, add_completion=False,
                       help="Event-sourced ledger of vocational qualification certificates, proofs and handovers.")
    root.callback()(_main)
    for noun in nouns:
        _register(root, noun)
    return root
