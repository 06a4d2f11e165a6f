"""The JSON API: the verdict on a QR token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from verify_api.deps import service_of, token_verdict
from verify_api.direct import DirectRoute
from verify_api.errors import ApiError, json_response, responses
from verify_api.schemas.verification import VerificationOut

router = APIRouter(prefix="/api/v1/verify", tags=["verification"], route_class=DirectRoute)

MAX_TOKEN = 1024


def too_long(token: str) -> None:
    """Refuse a token longer than any certledger code before it is decoded."""
    if len(token) > MAX_TOKEN:
        raise ApiError(400, "malformed_token", f"a certledger token is at most {MAX_TOKEN} characters")


@router.get("/{token}", response_model=VerificationOut, responses=responses(400, 503))
async def verify_token(token: str, request: Request) -> Response:
    """The verdict on a QR token (the text after `/V/` in the code's URL): every check, the status, the document."""
    service = service_of(request)  # a DirectRoute: no dependencies, see verify_api/direct.py
    too_long(token)
    # A malformed token (MalformedToken) is a 400 through verify_api/errors.py.
    return json_response((await token_verdict(service, token)).to_dict())
