"""签发 forms beside the request page's: issuing a certificate (颁发), correcting one on its correction request
(错误信息更正), and the provincial centre's score-pass and qualification proofs on their requests. Every rule is
the ledger's (parse_certificate_for, the catalog, the proof rules); the page carries the form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from console.errors import Refused
from console.labels import KINDS
from console.render import page
from console.security import console_of, require
from console.sessions import Session
from console.signing import sign_proof
from ledger.domain import ProofKind
from ledger.views import RequestView
from office.roles import Action

router = APIRouter()

Signer = Annotated[Session, Depends(require(Action.SIGN))]
Signing = Annotated[Session, Depends(require(Action.SIGN, post=True))]
ISSUE_FIELDS = ("family", "number", "holder_name", "gender", "id_type", "id_number", "occupation", "level",
                "specialty", "exam_code", "theory_score", "practical_score", "review_score", "result",
                "issue_date", "authority")
CORRECTABLE = ("holder_name", "gender", "id_number", "occupation", "level", "specialty", "issue_date")
_PROOF_OF = {"score-pass": ProofKind.SCORE_PASS, "qualification": ProofKind.QUALIFICATION}


@router.get("/certificates/new", response_class=HTMLResponse)
def new_certificate(request: Request, session: Signer) -> Response:
    return page(request, "issue.html", {"title": "颁发证书", "values": {}})


@router.post("/certificates")
async def issue(request: Request, session: Signing) -> Response:
    form = await request.form()
    fields: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in ISSUE_FIELDS if str(form.get(k, "")).strip()}
    with console_of(request).acting(session) as (ledger, who):
        view = ledger.issue(who, fields)
    return RedirectResponse(f"/documents/{view.number}", status_code=303)


def _request(ledger: Any, number: str, kinds: tuple[str, ...]) -> RequestView:
    req = ledger.show(number)
    if not isinstance(req, RequestView):
        raise Refused(404, f"{number} 不是申请编号（SQ-…）", "number")
    if req.kind not in kinds:
        raise Refused(409, f"申请 {number} 是{KINDS.get(req.kind, req.kind)}：此处只办理"
                           f"{'、'.join(KINDS[k] for k in kinds)}", "kind")
    return req


@router.post("/requests/{number}/correct")
async def correct(request: Request, session: Signing, number: str) -> Response:
    """更正 on an approved correction request: the fields that change, the rest kept (the ledger's rules)."""
    changes = _changes(await request.form())
    with console_of(request).acting(session) as (ledger, who):
        req = _request(ledger, number, ("correct",))
        view = ledger.correct(who, req.certificate_number, changes, request=req.number)
    return RedirectResponse(f"/documents/{view.number}", status_code=303)


@router.post("/requests/{number}/correction-proof")
async def correction_proof(request: Request, session: Signing, number: str) -> Response:
    """The written proof stating the corrected data, where the catalog rule refuses the correction (the
    occupation left the catalog: 人社厅发〔2018〕42号 第五条), on the same approved request, signed as a PDF."""
    changes = _changes(await request.form())
    console = console_of(request)

    def sign() -> str:  # off the event loop: the PDF signer runs its own
        with console.acting(session) as (ledger, who):
            req = _request(ledger, number, ("correct",))
            draft = ledger.draft_proof(who, req.certificate_number, ProofKind.WRITTEN, "correction", req.number,
                                       corrections=changes)
            return str(sign_proof(console, ledger, who, draft).record.document_number)

    return RedirectResponse(f"/proofs/{await run_in_threadpool(sign)}", status_code=303)


def _changes(form: Any) -> dict[str, str]:
    changes = {k: str(form.get(f"new_{k}", "")).strip() for k in CORRECTABLE if str(form.get(f"new_{k}", "")).strip()}
    if not changes:
        raise Refused(400, "字段「更正内容」必填：至少填写一项更正后的信息", "changes")
    return changes


@router.post("/requests/{number}/centre-proof")
def centre_proof(request: Request, session: Signing, number: str) -> Response:
    """The provincial centre's 成绩合格证明 or 职/执业资格证明 on its request, signed as a PDF."""
    console = console_of(request)
    with console.acting(session) as (ledger, who):
        req = _request(ledger, number, tuple(_PROOF_OF))
        draft = ledger.draft_proof(who, req.certificate_number, _PROOF_OF[req.kind], "lost", req.number)
        signed = sign_proof(console, ledger, who, draft)
    return RedirectResponse(f"/proofs/{signed.record.document_number}", status_code=303)
