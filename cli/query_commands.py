"""Queries: show, history (also as of a moment), where."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from cli import output
from cli.output import emit
from cli.params import Number
from cli.wiring import actor, open_ledger

query_app = typer.Typer()


@query_app.command()
def show(
    number: Annotated[str, typer.Argument(help="Certificate, proof or request number.")],
    edition: Annotated[int | None, typer.Option(help="A specific edition (default: the current).")] = None,
    reveal: Annotated[bool, typer.Option(help="Show ID numbers unmasked (office use).")] = False,
) -> None:
    """Show a certificate's current edition, a proof or a service request."""
    from ledger.views import RequestView

    ledger = open_ledger()
    view = ledger.edition(number, edition) if edition else ledger.show(number)
    if reveal:  # only with a credential of the issuing office, and recorded before anything is shown
        ledger.record_reveal(actor(), number)
    if isinstance(view, RequestView):
        output.requests([view])
    else:
        output.document(view, reveal=reveal)


@query_app.command()
def history(
    number: Annotated[str, typer.Argument(help="Certificate, proof or request number.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only what was recorded up to this date or "
                                              "date-time (China time when no zone is given); and show the "
                                              "document as it stood then.")] = None,
) -> None:
    """Every event of a certificate (all editions and its proofs), a proof or a request: who, when, what."""
    ledger = open_ledger()
    if as_of is None:
        output.history(ledger.history(number))
        return
    when = _moment(as_of)
    then, events = ledger.as_of(number, when), ledger.history(number, as_of=when)
    if output.json_mode():
        emit({"as_of": when.isoformat(), "document": then.to_dict(), "events": [e.to_dict() for e in events]}, "")
        return
    output.document(then, headline=f"as of {when.isoformat()}:")
    output.history(events)


def _moment(text: str) -> datetime:
    """A date (end of that day) or a date-time; China time unless a zone is given."""
    from datetime import time, timedelta

    from ledger.domain import CHINA
    from ledger.errors import InvalidInput

    try:
        if len(text.strip()) == 10:
            day = datetime.combine(datetime.fromisoformat(text.strip()).date(), time(), tzinfo=CHINA)
            return day + timedelta(days=1) - timedelta(microseconds=1)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("--as-of", "a date YYYY-MM-DD or an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


@query_app.command()
def where(number: Number) -> None:
    """Where a document is now, and how it got there (with the evidence files checked)."""
    output.where_list([open_ledger().where(number)])
