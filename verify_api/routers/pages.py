"""The page behind the QR code: `/V/<token>` as printed (upper case), `/v/<token>` as typed."""

from __future__ import annotations

from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from signing.token import MalformedToken
from verify_api.deps import ledger_read, service_of
from verify_api.direct import DirectRoute
from verify_api.page import message_page, verdict_page
from verify_api.routers.verify import MAX_TOKEN
from verify_api.trust import TrustListUnavailable

router = APIRouter(tags=["page"], route_class=DirectRoute)

_NOT_A_CODE = ("不是证书核验码", "Not a certledger code", "此链接中的核验码无法识别，请重新扫描证书上的二维码。",
               "The code in this link cannot be read: scan the QR code on the document again.")
_UNAVAILABLE = ("暂时无法核验", "Verification unavailable", "核验服务暂时不可用，请稍后再试。",
                "The verification service is unavailable for the moment: try again later.")


@router.get("/v/{token}", response_class=HTMLResponse, responses={400: {"content": {"text/html": {}}},
                                                                   503: {"content": {"text/html": {}}}})
@router.get("/V/{token}", response_class=HTMLResponse, include_in_schema=False)
async def verification_page(token: str, request: Request) -> HTMLResponse:
    """A phone-friendly page: the verdict first, then the document (ID number masked) and the checks."""
    service = service_of(request)  # a DirectRoute: no dependencies, see verify_api/direct.py
    if len(token) > MAX_TOKEN:
        return HTMLResponse(message_page(*_NOT_A_CODE), 400)
    try:
        verdict = await ledger_read(service, service.verify_token, token)
    except MalformedToken:
        return HTMLResponse(message_page(*_NOT_A_CODE), 400)
    except (TrustListUnavailable, PersistenceError):
        return HTMLResponse(message_page(*_UNAVAILABLE), 503)
    return HTMLResponse(verdict_page(verdict))
