"""`certledger show NUMBER`, `where NUMBER` and `history NUMBER` without building the command tree.

These are the commands an office runs most, one process each, so process start is most of their time; typer
and its click (and converting the root and the query sub-app to click) are a good part of it. Their plain form
(global options first, then the command and one number; nothing else) is read here and run through the same
code (cli.queries) inside the same error boundary (cli.guard) as the typer command; any other form (an option
of the command's own, --help, `--opt=value`, CERTLEDGER_DEBUG's tracebacks) goes to the tree, which reads it
exactly as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

QUICK: dict[str, Callable[[str], None]] = {}  # filled by _commands(): importing cli.queries opens nothing


class QuickRun(NamedTuple):
    command: str
    number: str
    json_output: bool
    home: Path | None
    office: str | None
    operator: str | None


def parse(argv: Sequence[str]) -> QuickRun | None:
    """The plain form of a quick command, or None (the tree reads everything else)."""
    options: dict[str, str] = {}
    json_output, words = False, list(argv)
    while words and words[0].startswith("-"):
        word = words.pop(0)
        if word == "--json":
            json_output = True
        elif word in ("--home", "--office", "--operator") and words and not words[0].startswith("-"):
            options[word[2:]] = words.pop(0)
        else:
            return None
    if len(words) != 2 or words[0] not in ("show", "where", "history") or words[1].startswith("-"):
        return None
    home = options.get("home")
    return QuickRun(words[0], words[1], json_output, Path(home) if home is not None else None,
                    options.get("office"), options.get("operator"))


def quick_run(argv: Sequence[str]) -> bool:
    """Run `argv` here if it is a quick command's plain form (True), else leave it to the tree (False)."""
    run = parse(argv)
    if run is None or os.environ.get("CERTLEDGER_DEBUG"):
        return False
    from cli.guard import guard
    from cli.output import configure, plain_settings

    with guard():
        configure(json_output=run.json_output, home=run.home, office=run.office, operator=run.operator)
        plain_settings()
        _commands()[run.command](run.number)
    return True


def _commands() -> dict[str, Callable[[str], None]]:
    if not QUICK:
        from cli import queries

        QUICK.update(show=queries.show, where=queries.where, history=queries.history)
    return QUICK
