"""The page behind the QR code: `/V/<token>` as printed (upper case), `/v/<token>` as typed.

Every answer here is the HTML page, refusals and errors included (verify_api/errors.py renders them).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from verify_api.deps import service_of, token_verdict
from verify_api.direct import DirectRoute
from verify_api.page import verdict_page
from verify_api.token_route import too_long

router = APIRouter(tags=["page"], route_class=DirectRoute)


@router.get("/v/{token}", response_class=HTMLResponse, responses={400: {"content": {"text/html": {}}},
                                                                   503: {"content": {"text/html": {}}}})
@router.get("/V/{token}", response_class=HTMLResponse, include_in_schema=False)
async def verification_page(token: str, request: Request) -> HTMLResponse:
    """A phone-friendly page: the verdict first, then the document (ID number masked) and the checks."""
    service = service_of(request)  # a DirectRoute: no dependencies, see verify_api/direct.py
    too_long(token)
    return HTMLResponse(verdict_page(await token_verdict(service, token)))
