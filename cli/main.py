"""The `certledger` command: one small root that registers each noun's commands.

Every command runs inside the one error boundary (cli.boundary.GuardedGroup is the root's
class), which turns errors into one line on stderr and a documented exit code. Wiring is in
cli.wiring, output in cli.output, the path from a draft to a signed file in cli.sign_and_record.

The commands are registered from a table (`NOUNS`), so that one run builds only the noun it
runs: `certledger show` imports the query commands, not the audit's, the batch's or the
service's, and typer converts one sub-app to click instead of all of them (a quarter of a
second of process start on the project's machines). `--help`, an unknown or a missing command
build the whole tree; tests/unit/test_cli_registry.py holds the table to what the modules define.

The tree is built in cli.tree (typer). `show`, `where` and `history` in their plain form (a number, no option
of their own) do not build it at all: cli.quick runs the same code (cli.queries) inside the same error boundary
(cli.guard) without importing typer.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from cli.output import configure

__all__ = ["GLOBAL_OPTIONS_WITH_VALUE", "NOUNS", "Noun", "command_word", "configure", "nouns_for", "run"]


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
    Noun("authority", "cli.pickup_commands:authority_app"),
    Noun("pickup", "cli.pickup_commands:pickup_app"),
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


def __getattr__(name: str) -> Any:  # `from cli.main import app` (the whole tree) or `build`: made when asked for
    if name == "build":
        from cli.tree import build

        return build
    if name == "app":
        from cli.tree import build

        globals()["app"] = built = build()
        return built
    raise AttributeError(name)


def run() -> None:
    import warnings

    from config.datadir import private_umask

    private_umask()  # the ledger's files, attachments and outputs: the owner's alone

    # A warning meant for the operator (an old key file, say) is one line, not Python's file:line form.
    warnings.showwarning = lambda message, *_a, **_k: print(f"warning: {message}", file=sys.stderr)
    from cli.quick import quick_run

    if quick_run(sys.argv[1:]):
        return
    from cli.tree import build

    build(nouns_for(sys.argv[1:]))()
