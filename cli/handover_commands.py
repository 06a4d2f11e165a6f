"""`certledger handover …`: custody of a certificate or proof passing to its holder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli import output
from cli.params import Number
from cli.wiring import actor, open_ledger

handover_app = typer.Typer(no_args_is_help=True, help="Hand a certificate or proof over: in person, institution, "
                                                       "delegate or mail.")

Evidence = Annotated[list[str] | None, typer.Option("--evidence", help="kind=FILE (scan, signature, id-card, "
                                                    "id-copy, holder-id-copy, contact-letter, receipt, "
                                                    "power-of-attorney); repeatable.")]
Request = Annotated[str | None, typer.Option("--request", help="The service request this handover delivers "
                                             "(送达): its delivery step names the handover.")]


def _hand_over(numbers: list[str], kind: str, details: dict[str, Any], evidence: list[str] | None,
               request: str | None = None) -> None:
    from ledger.domain import HandoverKind
    from ledger.errors import InvalidInput

    files: list[tuple[str, Path]] = []
    for item in evidence or []:
        ek, sep, path = item.partition("=")
        if not sep:
            raise InvalidInput("--evidence", f"expected kind=FILE, got {item!r}")
        files.append((ek.strip(), Path(path)))
    views = open_ledger().hand_over(actor(), numbers, HandoverKind(kind), details, files, request=request)
    output.where_list(views)


@handover_app.command("in-person")
def handover_in_person(
    number: Number,
    id_number: Annotated[str, typer.Option(help="Number on the ID card shown; must be the holder's.")],
    id_type: Annotated[str, typer.Option()] = "resident",
    id_document: Annotated[str, typer.Option(help="The original shown: id-card (身份证) or social-security-card "
                                                  "(社保卡, carrying the resident ID number).")] = "id-card",
    evidence: Evidence = None,
    request: Request = None,
) -> None:
    """The holder collects in person with the ID card or social security card original (本人领取)."""
    _hand_over([number], "in-person", {"id_number": id_number, "id_type": id_type, "id_document": id_document},
               evidence, request)


@handover_app.command("institution")
def handover_institution(
    numbers: Annotated[list[str], typer.Argument(help="Certificate numbers handed over.")],
    institution: Annotated[str, typer.Option(help="领证单位.")],
    batch: Annotated[str, typer.Option(help="Contact letter: 鉴定批次号.")],
    occupation: Annotated[str, typer.Option(help="Contact letter: 职业.")],
    level: Annotated[str, typer.Option(help="Contact letter: 等级.")],
    head_count: Annotated[int, typer.Option(help="Contact letter: 人数.")],
    agent_name: Annotated[str, typer.Option(help="The institution's collector (兹派我单位人员).")],
    agent_id_number: Annotated[str, typer.Option(help="The collector's ID number.")],
    signer: Annotated[str, typer.Option(help="Receipt: 签收人.")],
    signer_phone: Annotated[str, typer.Option(help="Receipt: 联系电话.")],
    receipt_date: Annotated[str, typer.Option(help="Receipt: date, YYYY-MM-DD.")],
    received: Annotated[int, typer.Option(help="Receipt: certificates received (本).")],
    rosters: Annotated[int, typer.Option(help="Receipt: rosters received (份).")] = 0,
    letter_date: Annotated[str, typer.Option(help="Contact letter: its date (年月日), YYYY-MM-DD.")] = "",
    officer: Annotated[str, typer.Option(help="Receipt: the office's handling officer (经办人员).")] = "",
    officer_phone: Annotated[str, typer.Option(help="Receipt: the handling officer's phone.")] = "",
    evidence: Evidence = None,
    request: Request = None,
) -> None:
    """An institution collects a batch with a contact letter (联系单) and signs a receipt (签收单)."""
    _hand_over(numbers, "institution", {
        "institution": institution, "batch_number": batch, "occupation": occupation, "level": level,
        "head_count": str(head_count), "agent_name": agent_name, "agent_id_number": agent_id_number,
        "signer": signer, "signer_phone": signer_phone, "receipt_date": receipt_date,
        "certificates_received": str(received), "rosters_received": str(rosters) if rosters else "",
        "letter_date": letter_date, "officer": officer, "officer_phone": officer_phone,
    }, evidence, request)


@handover_app.command("delegate")
def handover_delegate(
    number: Number,
    name: Annotated[str, typer.Option(help="Delegate's name.")],
    id_number: Annotated[str, typer.Option(help="Delegate's ID number.")],
    id_type: Annotated[str, typer.Option()] = "resident",
    phone: Annotated[str, typer.Option()] = "",
    evidence: Evidence = None,
    request: Request = None,
) -> None:
    """A delegate collects with a power of attorney and ID copy (委托他人领取)."""
    _hand_over([number], "delegate", {"name": name, "id_number": id_number, "id_type": id_type, "phone": phone},
               evidence, request)


@handover_app.command("mail")
def handover_mail(
    number: Number,
    tracking: Annotated[str, typer.Option(help="Tracking number.")],
    address: Annotated[str, typer.Option(help="Delivery address.")],
    carrier: Annotated[str, typer.Option()] = "EMS",
    recipient: Annotated[str, typer.Option(help="Default: the holder.")] = "",
    phone: Annotated[str, typer.Option()] = "",
    postage: Annotated[str, typer.Option(help="collect (到付) or prepaid.")] = "collect",
    evidence: Evidence = None,
    request: Request = None,
) -> None:
    """Send by mail (邮寄送达), EMS by default, postage paid on delivery."""
    _hand_over([number], "mail", {"tracking_number": tracking, "address": address, "carrier": carrier,
                                  "recipient": recipient, "phone": phone, "postage": postage}, evidence, request)
