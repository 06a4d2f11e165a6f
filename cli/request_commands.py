"""`certledger request …`: the service request workflow, apply → accept → review → complete → deliver."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cli import output
from cli.wiring import actor, open_ledger

request_app = typer.Typer(no_args_is_help=True, help="Service requests: apply → accept → review → complete → deliver.")


def _day(value: str | None, field: str) -> date | None:
    from ledger.values import parse_date

    return parse_date(value, field) if value else None


@request_app.command("apply")
def request_apply(
    number: Annotated[str, typer.Argument(help="Certificate number.")],
    kind: Annotated[str, typer.Option(help="reissue, exchange, correct, proof, score-pass, qualification.")],
    applicant: Annotated[str, typer.Option(help="Applicant's name.")],
    channel: Annotated[str, typer.Option(help="window, online or mail.")] = "window",
    on: Annotated[str | None, typer.Option(help="Application date (default today).")] = None,
    id_number: Annotated[str | None, typer.Option(help="At the window: the number on the original shown.")] = None,
    id_document: Annotated[str, typer.Option(help="At the window: id-card (身份证) or social-security-card "
                                                  "(社保卡).")] = "id-card",
) -> None:
    """Register an application (申请); the acceptance due date follows in working days."""
    from ledger.domain import RequestKind
    from ledger.errors import InvalidInput

    try:
        rk = RequestKind(kind)
    except ValueError:
        raise InvalidInput("--kind", ", ".join(k.value for k in RequestKind)) from None
    shown = (id_document, id_number) if id_number else None
    output.requests([open_ledger().apply(actor(), rk, number, applicant, channel, _day(on, "--on"), shown)])


@request_app.command("accept")
def request_accept(number: Annotated[str, typer.Argument()],
                   on: Annotated[str | None, typer.Option(help="Acceptance date (default today).")] = None) -> None:
    """Accept (受理); the completion due date follows in working days."""
    output.requests([open_ledger().accept(actor(), number, _day(on, "--on"))])


@request_app.command("review")
def request_review(
    number: Annotated[str, typer.Argument()],
    approve: Annotated[bool, typer.Option("--approve/--reject")],
    reason: Annotated[str, typer.Option(help="Required to reject.")] = "",
    stated: Annotated[list[str] | None, typer.Option("--stated", help="What the applicant states, FIELD=VALUE "
                                                     "(name, id_number, certificate_number, level, specialty, "
                                                     "approval_date), compared with the record; repeatable.")] = None,
    photo_ok: Annotated[bool, typer.Option("--photo-ok", help="Attest that the photo shows the holder.")] = False,
    not_collected: Annotated[bool, typer.Option("--not-collected", help="The certificate was never collected: "
                                                "hand the original over instead (seed 002).")] = False,
    failed: Annotated[list[str] | None, typer.Option("--failed", help="A check made elsewhere that did not match "
                                                     "(name, id_number, certificate_number, level, specialty, "
                                                     "approval_date, photo); repeatable.")] = None,
) -> None:
    """Review (审核) against the certificate database: each stated field compared; reject with a reason."""
    from ledger.domain import ServiceRequest
    from ledger.errors import InvalidInput

    pairs = [item.partition("=") for item in stated or []]
    if any(not sep or not key.strip() for key, sep, _ in pairs):
        raise InvalidInput("--stated", "FIELD=VALUE, e.g. --stated name=王五")
    checks = None
    if failed:
        checks = {c: c not in failed for c in ServiceRequest.REVIEW_CHECKS}
        for f in failed:
            checks.setdefault(f, False)
    output.requests([open_ledger().review(
        actor(), number, approve, reason, checks, stated={k.strip(): v.strip() for k, _, v in pairs} or None,
        photo_attested=True if photo_ok else None, not_collected=not_collected)])


@request_app.command("attach")
def request_attach(number: Annotated[str, typer.Argument()],
                   material: Annotated[list[str], typer.Argument(help="KIND=FILE: id-front, id-back, "
                                                                      "lookup-screenshot, certificate-photo, …")]
                   ) -> None:
    """Attach the application's materials (seed 001 三); acceptance checks the ones its kind needs."""
    from pathlib import Path

    from ledger.errors import InvalidInput

    ledger, who, view = open_ledger(), actor(), None
    for item in material:
        kind, sep, path = item.partition("=")
        if not sep:
            raise InvalidInput("material", f"expected KIND=FILE, got {item!r}")
        try:
            content = Path(path).read_bytes()
        except OSError as e:
            raise InvalidInput("material", f"cannot read {path}: {e.strerror}") from None
        view = ledger.attach_material(who, number, kind.strip(), content, Path(path).name)
    output.requests([view] if view else [])


@request_app.command("refer")
def request_refer(number: Annotated[str, typer.Argument()]) -> None:
    """Send a reviewed score-pass application on to the provincial examination centre (报送, seed 004)."""
    output.requests([open_ledger().refer(actor(), number)])


@request_app.command("complete")
def request_complete(number: Annotated[str, typer.Argument()],
                     result: Annotated[str, typer.Option(help="The resulting certificate or proof number.")]
                     ) -> None:
    """Complete (办结) with the resulting document; the delivery due date follows."""
    output.requests([open_ledger().complete(actor(), number, result)])


@request_app.command("deliver")
def request_deliver(number: Annotated[str, typer.Argument()],
                    how: Annotated[str, typer.Option(help="How it was delivered, e.g. EMS EA123…CN.")]) -> None:
    """Deliver (送达)."""
    output.requests([open_ledger().deliver(actor(), number, how)])


@request_app.command("list")
def request_list(open_only: Annotated[bool, typer.Option("--open", help="Only requests still running.")] = False
                 ) -> None:
    """Every service request with its stage and due date."""
    output.requests(open_ledger().requests(open_only=open_only))


@request_app.command("overdue")
def request_overdue() -> None:
    """The office's overdue list: requests past their due date (working days of the official calendar) or legal
    limit, and certificates on its pickup notices nobody collected in time (seed 003)."""
    output.overdue(open_ledger().overdue_list())
