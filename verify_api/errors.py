"""The API's one translation layer: errors become a status and a JSON body, never a traceback."""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from verify_api.schemas.common import ErrorBody, ValidationErrorBody
from verify_api.trust import TrustListUnavailable

log = logging.getLogger("verify_api")


class ApiError(Exception):
    """A refusal with its HTTP status, a stable code and one line for people."""

    def __init__(self, status: int, error: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}


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


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of the error answers a route may give."""
    described = {400: "Malformed input (a token that is no certledger code, a broken multipart body)",
                 404: "Not found", 413: "Too large", 415: "Not a PDF",
                 422: "Invalid request", 429: "Too many requests", 503: "Trust list or ledger unavailable"}
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        out[s] = {"model": ValidationErrorBody if s == 422 else ErrorBody, "description": described[s]}
        if s == 429:
            out[s]["headers"] = {"Retry-After": {"description": "Seconds until the next request is allowed",
                                                 "schema": {"type": "integer"}}}
    return out


_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def install(app: FastAPI) -> None:
    """Register the handlers: ApiError, request validation, and Starlette's own 404/405 in the same shape."""

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.error, exc.message, exc.headers)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        # The submitted values are not echoed: a name or number stays out of answers and logs.
        problems = [{"loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
                     "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in exc.errors()]
        return json_response({"error": "invalid_request", "message": "the request breaks a documented limit",
                              "problems": problems}, 422)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    async def unavailable(request: Request, exc: Exception) -> Response:
        # Which part is down is for the operator's log, not for the public answer.
        log.warning("verification unavailable: %s", type(exc).__name__)
        return error_response(503, "unavailable", "the trust list or the ledger is unavailable; try again later")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(TrustListUnavailable, unavailable)
    app.add_exception_handler(PersistenceError, unavailable)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
