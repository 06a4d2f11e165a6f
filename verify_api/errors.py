"""The service's one translation layer: errors become a status and a JSON body (or, on the page behind the
QR code, `/V/` and `/v/`, the HTML page), never a traceback."""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.translog import LogUnavailable
from signing.errors import MalformedDocument
from signing.token import MalformedToken
from verify_api.page import error_page
from verify_api.schemas.common import ErrorBody, ValidationErrorBody
from verify_api.schemas.verification import UnreadablePdfBody
from verify_api.transparency import LogNotPublished
from verify_api.trust import TrustListUnavailable

log = logging.getLogger("verify_api")


class ApiError(Exception):
    """A refusal with its HTTP status, a stable code and one line for people."""

    def __init__(self, status: int, error: str, message: str, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}  # more fields of the JSON body (an unreadable PDF's failed check)


PAGE_PREFIXES = ("/v/", "/V/")
_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def is_page(path: str) -> bool:
    """Whether a path is the page behind the QR code, which answers in HTML whatever happens."""
    return path.startswith(PAGE_PREFIXES)


# The standard library's encoder only for what orjson refuses (an integer past 64 bits).
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def json_body(body: Any) -> bytes:
    """Compact UTF-8 JSON. orjson writes a verdict in a tenth of the standard library's 47 us."""
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        return _encoder.encode(body).encode("utf-8")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON without the response model's second pass: the bodies are built to the documented schema."""
    return Response(json_body(body), status_code=status, media_type="application/json", headers=headers)


def error_response(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": error, "message": message}, status, headers)


def error_body(error: ApiError) -> dict[str, Any]:
    """A refusal's JSON body: its code, its line for people, and any further fields."""
    return {"error": error.error, "message": error.message, **error.extra}


def _answer(request: Request, error: ApiError) -> Response:
    if is_page(request.url.path):
        return HTMLResponse(error_page(error.error), error.status, headers=error.headers)
    return json_response(error_body(error), error.status, error.headers)


def translate(exc: Exception) -> ApiError | None:
    """The refusal a known error means, or None for one that is not (a bug: the middleware's 500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, MalformedToken):
        return ApiError(400, "malformed_token", f"not a certledger code: {exc}")
    if isinstance(exc, MalformedDocument):
        return ApiError(415, "not_a_pdf", f"the file is not a PDF ({exc})")
    if isinstance(exc, TrustListUnavailable | PersistenceError):
        # Which part is down is for the operator's log, not for the public answer.
        log.warning("verification unavailable: %s", type(exc).__name__)
        return ApiError(503, "unavailable", "the trust list or the ledger is unavailable; try again later")
    if isinstance(exc, LogNotPublished | LogUnavailable):
        return ApiError(404, "log_not_published", str(exc))
    if isinstance(exc, InvalidInput):
        # The shape of a request validation error: one problem, in the query parameter it names.
        return ApiError(422, "invalid_request", exc.message,
                        extra={"problems": [{"loc": ["query", exc.field], "msg": exc.rule, "type": "value_error"}]})
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", exc.message)
    if isinstance(exc, LedgerError):
        return ApiError(404, exc.code, exc.message)
    if isinstance(exc, StarletteHTTPException):
        return ApiError(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail),
                        dict(exc.headers or {}))
    return None


def responses(*statuses: int, unreadable_pdf: bool = False) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of the error answers a route may give."""
    described = {400: "Malformed input (a token that is no certledger code, a broken multipart body)",
                 404: "Not found", 413: "Too large", 415: "Not a PDF",
                 422: "Invalid request", 429: "Too many requests", 503: "Trust list or ledger unavailable"}
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        out[s] = {"model": ValidationErrorBody if s == 422 else ErrorBody, "description": described[s]}
        if s == 422 and unreadable_pdf:
            out[s] = {"model": ValidationErrorBody | UnreadablePdfBody,
                      "description": "Invalid request, or a file that starts as a PDF but cannot be read (its "
                                     "failed `format` check)"}
        if s == 429:
            out[s]["headers"] = {"Retry-After": {"description": "Seconds until the next request is allowed",
                                                 "schema": {"type": "integer"}}}
    return out


def install(app: FastAPI) -> None:
    """Register the handlers: every known error through `translate`, and request validation."""

    async def known(request: Request, exc: Exception) -> Response:
        error = translate(exc)
        if error is None:  # not registered for such errors
            raise exc
        return _answer(request, error)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        # The submitted values are not echoed: a name or number stays out of answers and logs.
        problems = [{"loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
                     "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in exc.errors()]
        return _answer(request, ApiError(422, "invalid_request", "the request breaks a documented limit",
                                         extra={"problems": problems}))

    for kind in (ApiError, MalformedToken, MalformedDocument, TrustListUnavailable, PersistenceError,
                 LogNotPublished, LogUnavailable, LedgerError, StarletteHTTPException):
        app.add_exception_handler(kind, known)
    app.add_exception_handler(RequestValidationError, invalid)
