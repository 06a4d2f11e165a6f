"""PDF upload: the full check of a signed document (a body limit applies to this router only)."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from verify_api.deps import LimitsDep, Service, UploadAllowed
from verify_api.errors import ApiError, json_response, responses
from verify_api.schemas.verification import VerificationOut
from verify_api.verdict import check_dict

router = APIRouter(prefix="/api/v1/verify", tags=["verification"])


@router.post("/pdf", response_model=VerificationOut, responses=responses(400, 413, 415, 422, 429, 503,
                                                                                 unreadable_pdf=True))
async def verify_pdf(
    file: Annotated[UploadFile, File(description="The signed PDF (a proof or an electronic certificate).")],
    service: Service, limits: LimitsDep, _: UploadAllowed,
) -> Response:
    """Every check of an uploaded PDF (format, signature, chain, key window, ledger record, QR token, status)."""
    limit = service.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "too_large", f"the file is over {limit} bytes")
    if not data.startswith(b"%PDF-"):
        raise ApiError(415, "not_a_pdf", "the file is not a PDF (it does not start with %PDF-)")
    # ~25 ms of CPU: off the loop, and only a few at once so token checks keep the GIL most of the time.
    verdict = await anyio.to_thread.run_sync(service.verify_pdf, data, limiter=limits.pdf_threads)
    failed = verdict.failed
    if verdict.unreadable and failed is not None:
        raise ApiError(422, "unreadable_pdf", verdict.summary(), extra={"failed_check": check_dict(failed)})
    return json_response(verdict.to_dict())
