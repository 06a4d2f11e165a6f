"""The command's one error boundary: every command of every sub-app runs inside it.

`GuardedGroup` is the root group's class, so a command added anywhere under `certledger` cannot
run outside it. The translation itself (cli.guard.guard) needs no typer: errors meant for the user
become one line on stderr (with --json also a JSON object on stdout) and the documented exit code
(cli.output.EXIT_*); click's own usage errors, --help and typer.Exit pass through untouched.
"""

from __future__ import annotations

from typing import Any

from typer._click import Context  # typer vendors click: its groups take its own Context
from typer.core import TyperGroup

from cli.guard import guard

__all__ = ["GuardedGroup", "guard"]


class GuardedGroup(TyperGroup):
    """The root `certledger` group: parsing, the callback and the chosen command all run in `guard()`."""

    def invoke(self, ctx: Context) -> Any:
        with guard():
            return super().invoke(ctx)
