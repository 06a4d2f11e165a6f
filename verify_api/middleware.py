"""What every response goes through: security headers, the access log, the last catch.

A plain ASGI middleware (Starlette's BaseHTTPMiddleware costs a task per request). The access
log names the method, the path cut short (a token's first characters are the same COSE
header for every code) and the status; never a query string or a client address.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from verify_api.errors import is_page
from verify_api.page import error_page

access_log = logging.getLogger("verify_api.access")
log = logging.getLogger("verify_api")

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
_PATH_SHOWN = 24


def short_path(path: str) -> str:
    """A path as the log shows it: at most 24 characters, so no whole token is ever written."""
    return path if len(path) <= _PATH_SHOWN else path[:_PATH_SHOWN] + "…"


class ServiceMiddleware:
    def __init__(self, app: ASGIApp, *, max_body: int, hsts: bool, access_log: bool, debug: bool = False) -> None:
        self.app = app
        self.max_body = max_body
        self.log_requests = access_log
        self.debug = debug
        headers = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                   (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                   (b"cross-origin-opener-policy", b"same-origin"),
                   (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
        if hsts:
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.headers = headers
        self.no_store = ((b"cache-control", b"no-store"),)  # a verdict changes (a revocation): never cached

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter() if self.log_requests else 0.0
        state: dict[str, Any] = {"status": 0, "sent": False}
        if scope["method"] == "POST" and _content_length(scope) > self.max_body:
            # Refused before a byte is read. A body without a length is cut off as it streams by the
            # upload router's own limit, whose 413 the error handlers turn into JSON as well.
            await self._send_error(send, state, 413, "too_large", f"the request body is over {self.max_body} bytes")
            self._log(scope, state, started)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["sent"] = True
                own = message.get("headers", ())
                # The routes never set these headers themselves; only the trust list says how long to cache it.
                cache = () if any(k == b"cache-control" for k, _ in own) else self.no_store
                message = {**message, "headers": [*own, *self.headers, *cache]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as e:  # the last line: a JSON 500 without details, and a log line without data
            frame = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
            where = f" at {frame.filename}:{frame.lineno}" if frame else ""
            log.error("internal error on %s %s: %s%s", scope.get("method"), short_path(scope.get("path", "")),
                      type(e).__name__, where, exc_info=self.debug)
            if not state["sent"]:
                await self._send_error(send, state, 500, "internal", "internal error; nothing was changed",
                                       page=is_page(scope.get("path", "")))
        self._log(scope, state, started)

    async def _send_error(self, send: Send, state: dict[str, Any], status: int, error: str, message: str, *,
                          page: bool = False) -> None:
        if page:  # the page behind the QR code answers with a page, even now
            body, kind = error_page(error).encode(), b"text/html; charset=utf-8"
        else:
            body, kind = json.dumps({"error": error, "message": message}).encode(), b"application/json"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                   *self.no_store, *self.headers]
        state["status"], state["sent"] = status, True
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _log(self, scope: Scope, state: dict[str, Any], started: float) -> None:
        if self.log_requests:
            access_log.info("%s %s %d %.1fms", scope.get("method"), short_path(scope.get("path", "")),
                            state["status"], (time.perf_counter() - started) * 1000)


def _content_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0
