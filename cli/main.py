"""The `certledger` command: one small root that registers each noun's commands.

Every command runs inside the one error boundary (cli.boundary.GuardedGroup is the root's
class), which turns errors into one line on stderr and a documented exit code. Wiring is in
cli.wiring, output in cli.output, the path from a draft to a signed file in cli.sign_and_record.

The commands are registered from a table (`NOUNS`), so that one run builds only the noun it
runs: `certledger show` imports the query commands, not the audit's, the batch's or the
service's, and typer converts one sub-app to click instead of all of them (a quarter of a
second of process start on the project's machines). `--help`, an unknown or a missing command
build the whole tree; tests/unit/test_cli_registry.py holds the table to what the modules define.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from cli.boundary import GuardedGroup
from cli.output import configure


class Noun(NamedTuple):
    """One sub-app: `name` None lends its commands to the root (`commands` names them), else they sit
    under `certledger NAME`; `extra` adds commands defined elsewhere, as (command name, "module:function")."""

    name: str | None
    app: str  # "module:attribute" of its typer.Typer
    commands: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()


NOUNS: tuple[Noun, ...] = (
    Noun(None, "cli.init_command:init_app", ("init",)),
    Noun(None, "cli.issuance_commands:issuance_app", ("issue", "import", "reissue", "exchange", "correct", "revoke")),
    Noun(None, "cli.proof_commands:proof_app", ("prove", "ecert", "prove-batch", "verify-pdf")),
    Noun(None, "cli.query_commands:query_app", ("show", "history", "where")),
    Noun("handover", "cli.handover_commands:handover_app"),
    Noun("request", "cli.request_commands:request_app"),
    Noun("catalog", "cli.catalog_commands:catalog_app"),
    Noun("keys", "cli.keys_commands:keys_app", extra=(("rewrap", "cli.rewrap_command:keys_rewrap"),)),
    Noun("operator", "cli.operator_commands:operator_app"),
    Noun("audit", "cli.audit_commands:audit_app", extra=(("repair", "cli.repair_command:audit_repair"),)),
    Noun("batch", "cli.batch_commands:batch_app"),
    Noun("witness", "cli.witness_commands:witness_app"),
    Noun("console", "cli.console_command:console_app"),
    # The verification service: its two commands, at the root.
    Noun(None, "", ("serve", "verifications"),
         extra=(("serve", "cli.serve_command:serve"), ("verifications", "cli.serve_command:verifications"))),
)
GLOBAL_OPTIONS_WITH_VALUE = frozenset({"--home", "--office", "--operator"})


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


def command_word(argv: Sequence[str]) -> str | None:
    """The first word that is not a global option or its value: the command or noun run."""
    words = iter(argv)
    for word in words:
        if word in GLOBAL_OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def nouns_for(argv: Sequence[str]) -> tuple[Noun, ...]:
    """The one noun a run needs; every noun for --help, a mistyped command or none at all."""
    word = command_word(argv)
    if word is None:
        return NOUNS
    chosen = tuple(n for n in NOUNS if word == n.name or (n.name is None and word in n.commands))
    return chosen or NOUNS


def __getattr__(name: str) -> Any:  # `from cli.main import app`: the whole tree, built when first asked for
    if name == "app":
        globals()["app"] = built = build()
        return built
    raise AttributeError(name)


def run() -> None:
    import warnings

    from config.datadir import private_umask

    private_umask()  # the ledger's files, attachments and outputs: the owner's alone

    # A warning meant for the operator (an old key file, say) is one line, not Python's file:line form.
    warnings.showwarning = lambda message, *_a, **_k: print(f"warning: {message}", file=sys.stderr)
    build(nouns_for(sys.argv[1:]))()
