"""GET /api/v1/verify/{token} as plain ASGI, ahead of FastAPI's own stack.

A QR scan is the service's hottest request and its answer needs nothing FastAPI adds per request
(routing by regular expression, a Request object, the exception and exit-stack middlewares, a
Response object): with them the token's JSON cost 40-50 us of a first scan's ~250 us in process,
measured. So this middleware answers a GET on exactly `/api/v1/verify/<one path segment>` itself, with
the same verdict (`answer`, shared with the FastAPI route in verify_api/routers/verify.py) and the
same refusals (verify_api/errors.translate); anything else (another path or method, a trailing slash,
HEAD) goes on to FastAPI, where the route stays documented in /openapi.json. It sits inside
ServiceMiddleware, so the security headers, the access log and the last catch (a JSON 500) are
the same for both.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from verify_api.deps import token_verdict
from verify_api.errors import ApiError, error_body, json_body, translate
from verify_api.service import VerificationService

PREFIX = "/api/v1/verify/"
MAX_TOKEN = 1024
_JSON = (b"content-type", b"application/json")


def too_long(token: str) -> None:
    """Refuse a token longer than any certledger code before it is decoded."""
    if len(token) > MAX_TOKEN:
        raise ApiError(400, "malformed_token", f"a certledger token is at most {MAX_TOKEN} characters")


async def answer(service: VerificationService, token: str) -> dict[str, Any]:
    """The verdict's JSON on a token (the text after `/V/` in the code's URL); MalformedToken, ApiError and the
    other known errors become their refusals through verify_api/errors.translate."""
    too_long(token)
    return (await token_verdict(service, token)).to_dict()


class TokenRoute:
    """Answers GET /api/v1/verify/<token> without FastAPI's per-request machinery; passes on the rest."""

    def __init__(self, app: ASGIApp, service: VerificationService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(PREFIX) \
                or len(path) == len(PREFIX) or "/" in path[len(PREFIX):]:
            await self.app(scope, receive, send)
            return
        status, headers = 200, [_JSON]
        try:
            body = json_body(await answer(self.service, path[len(PREFIX):]))
        except Exception as e:
            error = translate(e)
            if error is None:
                raise  # a bug: ServiceMiddleware's JSON 500
            status = error.status
            body = json_body(error_body(error))
            headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in error.headers.items()]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
