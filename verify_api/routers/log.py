"""The transparency log for auditors and careful verifiers: the latest signed checkpoint, and RFC 6962
inclusion and consistency proofs against it (see verify_api/transparency.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from verify_api.deps import Service, ledger_read
from verify_api.errors import json_response, responses
from verify_api.schemas.verification import CheckpointOut, ConsistencyOut, InclusionOut
from verify_api.service import VerificationService

router = APIRouter(prefix="/api/v1/log", tags=["transparency log"])


async def _answer(service: VerificationService, fn: Any, *args: Any) -> Response:
    # The log's refusals (not published, invalid input, unknown document) are translated in verify_api/errors.py.
    return json_response(await ledger_read(service, fn, *args))


@router.get("/checkpoint", response_model=CheckpointOut, responses=responses(404, 503))
async def checkpoint(service: Service) -> Response:
    """The latest signed checkpoint (tree size, root, time, key id, signature over `body`)."""
    return await _answer(service, service.log.checkpoint)


@router.get("/inclusion", response_model=InclusionOut, responses=responses(404, 422, 503))
async def inclusion(
    service: Service,
    document: Annotated[str, Query(min_length=1, max_length=48, pattern=r"^[0-9A-Za-z-]+(#[0-9]{1,4})?$",
                                   description="A proof number, certificate number#edition, or a certificate "
                                               "number (its current edition).")],
    size: Annotated[int | None, Query(ge=1, le=2**62, description="Tree size (default: the latest signed "
                                                                  "checkpoint's); at most that.")] = None,
) -> Response:
    """The audit path of the document's latest event; `pending` when it came after the tree."""
    return await _answer(service, service.log.inclusion, document, size)


@router.get("/consistency", response_model=ConsistencyOut, responses=responses(404, 422, 503))
async def consistency(
    service: Service,
    old: Annotated[int, Query(ge=1, le=2**62, description="The earlier tree size.")],
    new: Annotated[int | None, Query(ge=1, le=2**62, description="The later tree size (default: the latest "
                                                                 "signed checkpoint's).")] = None,
) -> Response:
    """The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves (RFC 6962 §2.1.2)."""
    return await _answer(service, service.log.consistency, old, new)
