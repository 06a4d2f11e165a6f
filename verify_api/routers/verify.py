"""The JSON API: the verdict on a QR token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from verify_api.deps import service_of
from verify_api.direct import DirectRoute
from verify_api.errors import json_response, responses
from verify_api.schemas.verification import VerificationOut
from verify_api.token_route import answer

router = APIRouter(prefix="/api/v1/verify", tags=["verification"], route_class=DirectRoute)


@router.get("/{token}", response_model=VerificationOut, responses=responses(400, 503))
async def verify_token(token: str, request: Request) -> Response:
    """The verdict on a QR token (the text after `/V/` in the code's URL): every check, the status, the document.

    A GET is answered by verify_api/token_route.py ahead of FastAPI, with this same `answer`: the route documents it."""
    # A DirectRoute: no dependencies (verify_api/direct.py). A malformed token is a 400 through verify_api/errors.py.
    return json_response(await answer(service_of(request), token))
