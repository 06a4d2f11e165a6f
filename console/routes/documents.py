"""Documents: a certificate's or proof's history as a timeline with where it is now (去向), a proof's page with
its signed PDF preview, and the print view."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.errors import Refused
from console.render import page
from console.security import Reader, console_of
from ledger.docref import NumberKind, kind_of_number, normalise_number
from ledger.views import ProofView

router = APIRouter()


@router.get("/find")
def find(request: Request, session: Reader, q: str = "") -> Response:
    text = normalise_number(q) if q.strip() else ""
    if not text:
        raise Refused(400, "字段「编号」必填：证书编号、证明编号（SM-…）或申请编号（SQ-…）", "q")
    kind = kind_of_number(text)
    target = {NumberKind.REQUEST: "/requests/", NumberKind.PROOF: "/proofs/"}.get(kind, "/documents/")
    return RedirectResponse(target + text, status_code=303)


@router.get("/documents/{number}", response_class=HTMLResponse)
def timeline(request: Request, session: Reader, number: str) -> Response:
    with console_of(request).reading() as ledger:
        events = ledger.history(number)
        where = ledger.where(number) if kind_of_number(normalise_number(number)) is not NumberKind.REQUEST \
            else None
        view = ledger.show(number)
        proofs = [ledger.where(p.number) for p in getattr(view, "proofs", ())]
    return page(request, "timeline.html", {"title": f"{view.number} 的经历", "view": view, "events": events,
                                           "where": where, "proofs": proofs})


@router.get("/proofs/{number}", response_class=HTMLResponse)
def proof(request: Request, session: Reader, number: str) -> Response:
    with console_of(request).reading() as ledger:
        view = ledger.show(number)
        if not isinstance(view, ProofView):
            raise Refused(404, f"{number} 不是证明编号（SM-/CJ-/ZG-…）", "number")
        where = ledger.where(number)
    return page(request, "proof.html", {"title": f"证明 {view.number}", "proof": view, "where": where})


def _pdf(request: Request, number: str) -> bytes:
    return _signed(request, number)[1]


def _signed(request: Request, number: str) -> tuple[str, bytes]:
    with console_of(request).reading() as ledger:
        view = ledger.show(number)
        signatures = getattr(view, "signatures", ())
        if not signatures:
            raise Refused(404, f"{number} 尚无签名文件（PDF）", "number")
        if ledger.blobs is None or ledger.blobs.check(signatures[-1].sha256).value != "ok":
            raise Refused(404, f"{number} 的签名文件不在附件库中或已被改动", "number")
        sha256 = signatures[-1].sha256
        return sha256, ledger.blobs.path(sha256).read_bytes()


@router.get("/proofs/{number}/pdf")
def proof_pdf(request: Request, session: Reader, number: str) -> Response:
    return Response(_pdf(request, number), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{normalise_number(number)}.pdf"'})


@router.get("/proofs/{number}/page.png")
def proof_page_png(request: Request, session: Reader, number: str) -> Response:
    from console.preview import page_png

    sha256, pdf = _signed(request, number)
    return Response(page_png(sha256, pdf), media_type="image/png")


@router.get("/proofs/{number}/print", response_class=HTMLResponse)
def print_view(request: Request, session: Reader, number: str) -> Response:
    _pdf(request, number)  # refuses a proof without its signed file
    return page(request, "print.html", {"title": f"打印 {normalise_number(number)}",
                                        "number": normalise_number(number)})
