"""Queries: show, history (also as of a moment), where. Their work is cli.queries' (typer-free, so the quick
dispatch of cli.quick runs the same code without building the command tree)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import queries
from cli.params import Number

query_app = typer.Typer()


@query_app.command()
def show(
    number: Annotated[str, typer.Argument(help="Certificate, proof or request number.")],
    edition: Annotated[int | None, typer.Option(help="A specific edition (default: the current).")] = None,
    reveal: Annotated[bool, typer.Option(help="Show ID numbers unmasked (office use).")] = False,
) -> None:
    """Show a certificate's current edition, a proof or a service request."""
    queries.show(number, edition, reveal)


@query_app.command()
def history(
    number: Annotated[str, typer.Argument(help="Certificate, proof or request number.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only what was recorded up to this date or "
                                              "date-time (China time when no zone is given); and show the "
                                              "document as it stood then.")] = None,
) -> None:
    """Every event of a certificate (all editions and its proofs), a proof or a request: who, when, what."""
    queries.history(number, as_of)


@query_app.command()
def where(number: Number) -> None:
    """Where a document is now, and how it got there (with the evidence files checked)."""
    queries.where(number)
