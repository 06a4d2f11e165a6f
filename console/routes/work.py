"""The work pages: the queue, intake (申请/受理), review (审核), issuing (签发) and mailing (送达)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.errors import Refused
from console.labels import CHANNELS, CHECKS, ID_DOCUMENTS, KINDS
from console.queue import QUEUE_PAGE, queue_page
from console.render import page
from console.review import compare
from console.security import Reader, console_of, require
from console.sessions import Session
from console.signing import sign_proof
from ledger.domain import HandoverKind, ProofKind, RequestKind
from ledger.views import CertificateView, RequestView
from office.roles import Action

router = APIRouter()
MAX_PHOTO_BYTES = 1024 * 1024

Intake = Annotated[Session, Depends(require(Action.INTAKE, post=True))]
Reviewing = Annotated[Session, Depends(require(Action.REVIEW, post=True))]
Signing = Annotated[Session, Depends(require(Action.SIGN, post=True))]
Handing = Annotated[Session, Depends(require(Action.HANDOVER, post=True))]


def _choice(value: str, allowed: dict[str, str], field: str, label: str) -> str:
    if value and value not in allowed:
        raise Refused(400, f"字段「{label}」只能是：{'、'.join(allowed.values())}", field)
    return value


def _request_view(ledger: Any, number: str) -> RequestView:
    view = ledger.show(number)
    if not isinstance(view, RequestView):
        raise Refused(404, f"{number} 不是申请编号（SQ-…）", "number")
    return view


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, session: Reader, kind: str = "", channel: str = "", stage: str = "",
          closed: bool = False, page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> Response:
    from console.labels import QUEUE_KINDS, QUEUE_STAGES

    _choice(kind, QUEUE_KINDS, "kind", "申请类型")
    _choice(channel, CHANNELS, "channel", "渠道")
    _choice(stage, QUEUE_STAGES, "stage", "环节")
    console = console_of(request)
    with console.reading() as ledger:
        today = ledger.today()
        work = queue_page(console, ledger, session.office, today, kind=kind, channel=channel, stage=stage,
                          closed=closed, page=page_number)
    return page(request, "queue.html", {"title": "工作台", "rows": work.items, "total": work.total,
                                        "counts": work.counts,
                                        "today": today, "page": page_number, "per_page": QUEUE_PAGE,
                                        "filters": {"kind": kind, "channel": channel, "stage": stage,
                                                    "closed": closed}})


@router.get("/requests/new", response_class=HTMLResponse)
def new_request(request: Request, session: Annotated[Session, Depends(require(Action.INTAKE))]) -> Response:
    return page(request, "new_request.html", {"title": "受理新申请", "kinds": KINDS, "channels": CHANNELS,
                                              "id_documents": ID_DOCUMENTS})


@router.post("/requests")
def apply(request: Request, session: Intake, number: Annotated[str, Form()], kind: Annotated[str, Form()],
          applicant: Annotated[str, Form()], channel: Annotated[str, Form()] = "window",
          id_document: Annotated[str, Form()] = "id-card", id_number: Annotated[str, Form()] = "",
          accept: Annotated[str, Form()] = "") -> Response:
    _choice(kind, KINDS, "kind", "申请类型")
    _choice(channel, CHANNELS, "channel", "渠道")
    shown = (id_document, id_number.strip()) if id_number.strip() else None
    with console_of(request).acting(session) as (ledger, who):
        view = ledger.apply(who, RequestKind(kind), number.strip(), applicant, channel, None, shown)
        if accept:  # 即时受理 at the window: accepted in the same visit
            view = ledger.accept(who, view.number)
    return RedirectResponse(f"/requests/{view.number}", status_code=303)


@router.get("/requests/{number}", response_class=HTMLResponse)
def show_request(request: Request, session: Reader, number: str) -> Response:
    with console_of(request).reading() as ledger:
        view = _request_view(ledger, number)
        cert = ledger.show(view.certificate_number)
        assert isinstance(cert, CertificateView)  # a request is for a certificate
        in_catalog = ledger.catalog().contains(cert.data.occupation) if cert.data.family == "skill" else None
        version = ledger.catalog().version
    return page(request, "request.html", {"title": f"申请 {view.number}", "req": view, "cert": cert,
                                          "checks": CHECKS, "comparison": None, "in_catalog": in_catalog,
                                          "catalog_version": version})


@router.post("/requests/{number}/photo")
async def photo(request: Request, session: Intake, number: str) -> Response:
    """The applicant's photo for the reissued paper (seed 004 附件: JPG, 295×413, 10-30 KB), into the
    attachment store, its hash on the request (the monthly batch sends it)."""
    upload = (await request.form()).get("photo")
    if upload is None or isinstance(upload, str):
        raise Refused(400, "字段「照片」必填：请选择 JPG 文件", "photo")
    data = await upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise Refused(413, f"字段「照片」超过 {MAX_PHOTO_BYTES // 1024} KB", "photo")
    with console_of(request).acting(session) as (ledger, who):
        ledger.attach_request_photo(who, number, data)
    return RedirectResponse(f"/requests/{number}", status_code=303)


@router.post("/requests/{number}/accept")
def accept(request: Request, session: Intake, number: str) -> Response:
    with console_of(request).acting(session) as (ledger, who):
        ledger.accept(who, number)
    return RedirectResponse(f"/requests/{number}", status_code=303)


@router.post("/requests/{number}/review", response_class=HTMLResponse)
async def review(request: Request, session: Reviewing, number: str) -> Response:
    form = await request.form()
    decision = str(form.get("decision", ""))
    if decision not in ("compare", "approve", "reject"):
        raise Refused(400, "字段「审核结论」只能是：核对、通过、驳回", "decision")
    console = console_of(request)
    with console.reading() as ledger:
        req = _request_view(ledger, number)
        cert = ledger.show(req.certificate_number)
    stated = {name: str(form.get(f"stated_{name}", "")) for name in CHECKS if name != "photo"}
    comparison = compare(stated, cert.data, photo_attested=form.get("photo") == "same-person")  # type: ignore[union-attr]
    if decision == "compare":
        return page(request, "request.html", {"title": f"申请 {number}", "req": req, "cert": cert,
                                              "checks": CHECKS, "comparison": comparison, "stated": stated})
    with console.acting(session) as (ledger, who):
        ledger.review(who, number, decision == "approve", str(form.get("reason", "")),
                      stated={k: v for k, v in stated.items() if v.strip()}, photo_attested=comparison.photo_attested)
    return RedirectResponse(f"/requests/{number}", status_code=303)


_PROOF_REASONS = {"proof": ("lost", "overseas"), "reissue": ("lost",), "exchange": ("overseas",)}
_REPLACE = {"reissue": "reissue", "exchange": "exchange"}


@router.post("/requests/{number}/prove")
def prove(request: Request, session: Signing, number: str, reason: Annotated[str, Form()] = "lost") -> Response:
    """签发书面证明: for a proof request, or as the dead end of a reissue or exchange the catalog rule refuses."""
    console = console_of(request)
    with console.acting(session) as (ledger, who):
        req = _request_view(ledger, number)
        reasons = _PROOF_REASONS.get(req.kind)
        if reasons is None:
            raise Refused(409, f"申请 {number} 是{KINDS.get(req.kind, req.kind)}：不出具书面证明", "kind")
        if reason not in reasons:
            raise Refused(400, f"字段「事由」只能是：{'、'.join(reasons)}", "reason")
        draft = ledger.draft_proof(who, req.certificate_number, ProofKind.WRITTEN, reason, number)
        signed = sign_proof(console, ledger, who, draft)
    return RedirectResponse(f"/proofs/{signed.record.document_number}", status_code=303)


@router.post("/requests/{number}/replace")
def replace(request: Request, session: Signing, number: str) -> Response:
    """补发/换发 under the original number (the catalog rule decides in the ledger; a refusal names the proof)."""
    with console_of(request).acting(session) as (ledger, who):
        req = _request_view(ledger, number)
        if req.kind not in _REPLACE:
            raise Refused(409, f"申请 {number} 是{KINDS.get(req.kind, req.kind)}：不补发或换发", "kind")
        view = getattr(ledger, _REPLACE[req.kind])(who, req.certificate_number, request=number)
    return RedirectResponse(f"/documents/{view.number}", status_code=303)


@router.post("/requests/{number}/mail")
def mail(request: Request, session: Handing, number: str, tracking: Annotated[str, Form()],
         address: Annotated[str, Form()], recipient: Annotated[str, Form()] = "",
         phone: Annotated[str, Form()] = "") -> Response:
    """邮寄送达: the mail handover of the request's result and the request's delivery, one after the other."""
    with console_of(request).acting(session) as (ledger, who):
        req = _request_view(ledger, number)
        if not req.result_number:
            raise Refused(409, f"申请 {number} 尚未办结：没有可寄送的证书或证明", "request")
        details = {"tracking_number": tracking, "address": address, "carrier": "EMS", "recipient": recipient,
                   "phone": phone, "postage": "collect"}
        ledger.hand_over(who, [req.result_number], HandoverKind("mail"), details)
        ledger.deliver(who, number, f"EMS {tracking.strip()}")
    return RedirectResponse(f"/requests/{number}", status_code=303)
