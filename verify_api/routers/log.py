"""The transparency log for auditors and careful verifiers: the latest signed checkpoint, and RFC 6962
inclusion and consistency proofs against it (see verify_api/transparency.py).

The checkpoint and consistency proofs are public: they name no document. An inclusion proof names one,
and would tell anyone which numbers exist and how often each was reissued: it answers only a client that
shows it holds the document (its code, or number + holder name as the lookup asks)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from signing.token import MalformedToken
from verify_api.deps import LimitsDep, Service, ledger_read, spend
from verify_api.errors import ApiError, json_response, responses
from verify_api.schemas.verification import CheckpointOut, ConsistencyOut, InclusionOut
from verify_api.service import VerificationService
from verify_api.token_route import MAX_TOKEN  # as the token route takes them
from verify_api.transparency import holders_document

router = APIRouter(prefix="/api/v1/log", tags=["transparency log"])


async def _answer(service: VerificationService, fn: Any, *args: Any) -> Response:
    # The log's refusals (not published, invalid input, unknown document) are translated in verify_api/errors.py.
    return json_response(await ledger_read(service, fn, *args))


NOTE_TYPE = "text/plain; charset=utf-8"


@router.get("/checkpoint", response_model=CheckpointOut, responses={
    200: {"content": {"text/plain": {"schema": {"type": "string"}}},
          "description": "JSON; with `Accept: text/plain`, the C2SP signed note itself"}, **responses(404, 503)})
async def checkpoint(request: Request, service: Service) -> Response:
    """The latest signed checkpoint: tree size, root, time, the log key's id and signature over `body`, and `note`,
    the C2SP tlog-checkpoint signed note (with the witnesses' cosignatures). Asked with `Accept: text/plain`,
    the note alone, as witnesses and Go's sumdb/note read it."""
    if "text/plain" in request.headers.get("accept", ""):
        return Response(await ledger_read(service, service.log.note), media_type=NOTE_TYPE)
    return await _answer(service, service.log.checkpoint)


@router.get("/history", response_class=Response, responses={
    200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}},
          "description": 'The checkpoint history: one {"note", "proof"} JSON object a line'}, **responses(404)})
async def history(service: Service) -> Response:
    """Every checkpoint the log signed, in order, each with the consistency proof from the one before: the
    append-only file kept outside the database, byte for byte. Check it with the log's verifier key."""
    return Response(await ledger_read(service, service.log.history_file), media_type="application/x-ndjson")


_KNOWN_STATES = ("current", "superseded", "revoked")
_NO_MATCH = "no document matches this number and name, or this code (未查询到匹配的证书)"


def _missing(*fields: str) -> Response:
    return json_response({"error": "invalid_request", "message": "give document and name, or token",
                          "problems": [{"loc": ["query", f], "msg": "Field required: document and name, or token",
                                        "type": "missing"} for f in fields]}, 422)


def _token_document(service: VerificationService, token: str) -> str | None:
    """The document a genuine code names (signature, chain and ledger record checked), else None."""
    try:
        result = service.verifier().verify_token(token)
    except MalformedToken:
        return None
    # Genuine: every check but the status passed and the ledger has the document (current, superseded or revoked).
    genuine = all(c.ok for c in result.checks() if c.name != "status") and result.view is not None
    if result.document is None or not genuine or result.document.state not in _KNOWN_STATES:
        return None
    return result.document.number


@router.get("/inclusion", response_model=InclusionOut, responses=responses(404, 422, 429, 503))
async def inclusion(
    request: Request, service: Service, limits: LimitsDep,
    document: Annotated[str | None, Query(min_length=1, max_length=48, pattern=r"^[0-9A-Za-z-]+(#[0-9]{1,4})?$",
                                          description="A proof number, certificate number#edition, or a certificate "
                                                      "number (its current edition); with `name`.")] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=50,
                                      description="The holder's name (姓名), as the lookup asks it.")] = None,
    token: Annotated[str | None, Query(min_length=1, max_length=MAX_TOKEN,
                                       description="Instead of document and name: the document's verification "
                                                   "code (the text after `/V/` in its QR code).")] = None,
    size: Annotated[int | None, Query(ge=1, le=2**62, description="Tree size (default: the latest signed "
                                                                  "checkpoint's); at most that.")] = None,
) -> Response:
    """The audit path of the document's latest event; `pending` when it came after the tree.

    Only for whoever holds the document: its code, or its number and the holder's name (rate-limited like
    the lookup). An unknown document and another's get the same 404.
    """
    if token is not None:
        if document is not None or name is not None:
            return _missing("token")  # one way of showing the document, not both
        reference = await ledger_read(service, _token_document, service, token)
    else:
        if document is None or name is None:
            return _missing(*[f for f, v in (("document", document), ("name", name)) if v is None])
        await spend(limits, limits.lookup, request, "lookups")
        reference = await ledger_read(service, holders_document, service.ledger, document, name)
    if reference is None:
        raise ApiError(404, "not_found", _NO_MATCH)
    return await _answer(service, service.log.inclusion, reference, size)


@router.get("/consistency", response_model=ConsistencyOut, responses=responses(404, 422, 503))
async def consistency(
    service: Service,
    old: Annotated[int, Query(ge=1, le=2**62, description="The earlier tree size.")],
    new: Annotated[int | None, Query(ge=1, le=2**62, description="The later tree size (default: the latest "
                                                                 "signed checkpoint's).")] = None,
) -> Response:
    """The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves (RFC 6962 §2.1.2)."""
    return await _answer(service, service.log.consistency, old, new)
