"""What `show`, `history` and `where` do, without typer: the typer commands (cli.query_commands) and the quick
dispatch (cli.quick) both call these, so either way a run prints the same and fails the same."""

from __future__ import annotations

from datetime import datetime

from cli import output
from cli.output import emit
from cli.wiring import actor, open_ledger


def show(number: str, edition: int | None = None, reveal: bool = False) -> None:
    """A certificate's current edition (or `edition`), a proof or a service request."""
    from ledger.views import RequestView

    ledger = open_ledger()
    view = ledger.edition(number, edition) if edition else ledger.show(number)
    if reveal:  # only with a credential of the issuing office, and recorded before anything is shown
        ledger.record_reveal(actor(), number)
    if isinstance(view, RequestView):
        output.requests([view])
    else:
        output.document(view, reveal=reveal)


def history(number: str, as_of: str | None = None) -> None:
    """Every event of a certificate (all editions and its proofs), a proof or a request; up to `as_of`."""
    ledger = open_ledger()
    if as_of is None:
        output.history(ledger.history(number))
        return
    when = moment(as_of)
    then, events = ledger.as_of(number, when), ledger.history(number, as_of=when)
    if output.json_mode():
        emit({"as_of": when.isoformat(), "document": then.to_dict(), "events": [e.to_dict() for e in events]}, "")
        return
    output.document(then, headline=f"as of {when.isoformat()}:")
    output.history(events)


def moment(text: str) -> datetime:
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


def where(number: str) -> None:
    """Where a document is now, and how it got there (with the evidence files checked)."""
    output.where_list([open_ledger().where(number)])
