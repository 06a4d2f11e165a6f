"""Custody (发放/送达): a request's result handed over in person, to a delegate or by mail, with its evidence and
the request's delivery in the same save; an institution's handover of several certificates (contact letter and
sign-off receipt); pickup notices (领取证书通知) and the list of what nobody collected. The rules are the
ledger's (ledger.handover, ledger.pickups); the page only carries the form."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from console.errors import Refused
from console.render import page
from console.security import console_of, require
from console.sessions import Session
from ledger.domain import HandoverKind
from ledger.handover import EVIDENCE_KINDS
from ledger.values import parse_date
from office.roles import Action

router = APIRouter()

Handing = Annotated[Session, Depends(require(Action.HANDOVER, post=True))]
Custodian = Annotated[Session, Depends(require(Action.HANDOVER))]
_PER_REQUEST = (HandoverKind.IN_PERSON, HandoverKind.DELEGATE, HandoverKind.MAIL)
_TEXT_FIELDS = ("id_document", "id_type", "id_number", "name", "phone", "carrier", "tracking_number", "address",
                "recipient", "postage", "institution", "batch_number", "occupation", "level", "head_count",
                "certificates_received", "rosters_received", "signer", "signer_phone", "receipt_date",
                "agent_name", "agent_id_number", "letter_date", "officer", "officer_phone")


def _details(form: FormData) -> dict[str, Any]:
    return {name: str(form.get(name, "")).strip() for name in _TEXT_FIELDS if str(form.get(name, "")).strip()}


@contextmanager
def _evidence(form: FormData) -> Iterator[list[tuple[str, Path]]]:
    """Each uploaded evidence file (a field per kind: scan, signature, id-card, …) as a file the ledger keeps."""
    with tempfile.TemporaryDirectory(prefix="console-evidence-") as tmp:
        files = []
        for kind in EVIDENCE_KINDS:
            upload = form.get(f"evidence_{kind}")
            if isinstance(upload, UploadFile) and upload.filename:
                name = Path(upload.filename.replace("\\", "/")).name or kind
                path = Path(tmp) / kind / name
                path.parent.mkdir()
                path.write_bytes(upload.file.read())
                files.append((kind, path))
        yield files


def _kind(value: str, allowed: tuple[HandoverKind, ...]) -> HandoverKind:
    if value not in {k.value for k in allowed}:
        raise Refused(400, f"字段「交付方式」只能是：{'、'.join(k.label for k in allowed)}", "how")
    return HandoverKind(value)


@router.post("/requests/{number}/handover")
async def hand_over(request: Request, session: Handing, number: str) -> Response:
    """The request's certificate or proof handed over, and the request delivered by it (送达), in one save."""
    form = await request.form()
    kind = _kind(str(form.get("how", "")), _PER_REQUEST)
    console = console_of(request)
    with _evidence(form) as evidence, console.acting(session) as (ledger, who):
        req = ledger.show(number)
        result = getattr(req, "result_number", None)
        if not result:
            raise Refused(409, f"申请 {number} 尚未办结：没有可交付的证书或证明", "request")
        ledger.hand_over(who, [result], kind, _details(form), evidence, request=req.number)
    return RedirectResponse(f"/requests/{number}", status_code=303)


@router.get("/custody", response_class=HTMLResponse)
def custody_page(request: Request, session: Custodian, notice: str = "") -> Response:
    with console_of(request).reading() as ledger:
        today = ledger.today()
    return page(request, "custody.html", {"title": "发放与领取", "late": None, "notice": notice, "today": today,
                                          "evidence_kinds": EVIDENCE_KINDS})


@router.get("/custody/uncollected", response_class=HTMLResponse)
def uncollected_page(request: Request, session: Custodian) -> Response:
    """逾期未领取: the certificates on the office's pickup notices nobody collected in time, read from the work
    list's index (ledger.work_index); the queue lists them too."""
    with console_of(request).reading() as ledger:
        today = ledger.today()
        late = [u for u in ledger.uncollected(today) if u.notice.startswith(f"PN-{session.office}-")]
    return page(request, "custody.html", {"title": "逾期未领取名单", "late": late, "notice": "", "today": today,
                                          "evidence_kinds": EVIDENCE_KINDS})


def _numbers(text: str, field: str) -> list[str]:
    numbers = [n.strip() for n in text.replace("，", ",").replace(",", "\n").splitlines() if n.strip()]
    if not numbers:
        raise Refused(400, f"字段「证书编号」必填：每行一个（{field}）", field)
    return numbers


@router.post("/custody/pickups")
async def publish_pickup(request: Request, session: Handing) -> Response:
    form = await request.form()
    numbers = _numbers(str(form.get("certificates", "")), "certificates")
    national = form.get("national_exam") == "1"
    arrived_text = str(form.get("blanks_arrived_on", "")).strip()
    arrived: date | None = parse_date(arrived_text, "blanks_arrived_on") if arrived_text else None
    with console_of(request).acting(session) as (ledger, who):
        notice = ledger.publish_pickup(who, numbers, national_exam=national, blanks_arrived_on=arrived)
    return RedirectResponse(f"/custody?notice={notice}", status_code=303)


@router.post("/custody/institution")
async def institution(request: Request, session: Handing) -> Response:
    """单位领取: several certificates to an institution against its contact letter, with its sign-off receipt."""
    form = await request.form()
    numbers = _numbers(str(form.get("numbers", "")), "numbers")
    with _evidence(form) as evidence, console_of(request).acting(session) as (ledger, who):
        ledger.hand_over(who, numbers, HandoverKind.INSTITUTION, _details(form), evidence)
    return RedirectResponse(f"/documents/{numbers[0]}", status_code=303)
