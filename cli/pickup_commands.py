"""`certledger authority load` and `certledger pickup …`: a province's authority table from a file, pickup
notices and the certificates nobody collected in time (seed 003)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.output import emit
from cli.params import json_object_file
from cli.wiring import actor, open_ledger

authority_app = typer.Typer(no_args_is_help=True, help="Authority tables: the shipped provinces and loaded ones.")
pickup_app = typer.Typer(no_args_is_help=True, help="Pickup notices (领取证书通知) and their clocks.")


@authority_app.command("load")
def authority_load(file: Annotated[Path, typer.Argument(help='JSON: {"code", "name", "lookup_urls", "cities": '
                                                            '{"01": {"area", "office", "phone", "address"}}}')]
                   ) -> None:
    """Load your province's authority table (codes, names, phones, addresses), as the catalog is loaded."""
    from ledger.reference import register_authority_table

    content = json_object_file(file, "code, name and cities")
    ledger = open_ledger()
    register_authority_table(content)  # the acting office is one of the table's
    province = ledger.load_authority_table(actor(), content)
    emit({"province": province}, f"authority table of province {province} loaded")


@pickup_app.command("publish")
def pickup_publish(
    numbers: Annotated[list[str], typer.Argument(help="Certificate numbers on the notice.")],
    national_exam: Annotated[bool, typer.Option("--national-exam", help="A national exam's certificates.")] = False,
    blanks_arrived: Annotated[str | None, typer.Option(help="National exams: the day the blank certificates "
                                                            "arrived, YYYY-MM-DD.")] = None,
    on: Annotated[str | None, typer.Option(help="Publication day (default today).")] = None,
) -> None:
    """Publish a pickup notice: collection within 10 working days, 30 after the blanks arrived for national exams."""
    from ledger.values import parse_date

    number = open_ledger().publish_pickup(
        actor(), numbers, national_exam, parse_date(blanks_arrived, "--blanks-arrived") if blanks_arrived else None,
        parse_date(on, "--on") if on else None)
    emit({"notice": number}, f"pickup notice {number} published")


@pickup_app.command("overdue")
def pickup_overdue() -> None:
    """Certificates on a pickup notice nobody collected by its due date."""
    late = open_ledger().uncollected()
    emit([u.to_dict() for u in late], "\n".join(f"{u.certificate_number}  notice {u.notice}  due {u.due}"
                                                for u in late) or "no uncollected certificates past their pickup date")
