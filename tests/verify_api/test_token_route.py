"""GET /api/v1/verify/{token} is answered ahead of FastAPI (verify_api/token_route.py): the same answers as
the documented route, the same headers and refusals, and everything else passed on to FastAPI."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from tests.verify_api.conftest import Home
from verify_api.app import create_app
from verify_api.routers.verify import verify_token
from verify_api.token_route import TokenRoute


async def _route_answer(client: TestClient, token: str) -> tuple[int, bytes]:
    """The FastAPI route's own answer, called as FastAPI calls it."""
    request = type("R", (), {"app": client.app})()
    response = await verify_token(token, request)  # type: ignore[arg-type]
    return response.status_code, bytes(response.body)


def test_a_get_is_answered_ahead_of_fastapi_with_the_routes_own_answer(home: Home) -> None:
    token = home.proof("1915010000000748").token
    app = create_app(home.settings(verify_records=False))
    assert any(m.cls is TokenRoute for m in app.user_middleware)
    with TestClient(app) as client:
        r = client.get(f"/api/v1/verify/{token}")
        status, body = client.portal.call(_route_answer, client, token)  # type: ignore[union-attr]
    assert r.status_code == status == 200 and r.json()["outcome"] == "current"
    assert orjson.loads(r.content) == orjson.loads(body)
    assert r.headers["content-type"] == "application/json" and int(r.headers["content-length"]) == len(r.content)
    assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"


def test_refusals_are_the_same_json_and_other_requests_reach_fastapi(home: Home) -> None:
    with TestClient(create_app(home.settings(verify_records=False)), raise_server_exceptions=False) as client:
        malformed = client.get("/api/v1/verify/NOT-A-TOKEN")
        assert malformed.status_code == 400 and malformed.json()["error"] == "malformed_token"
        assert malformed.headers["x-frame-options"] == "DENY"
        long = client.get("/api/v1/verify/" + "A" * 1025)
        assert long.status_code == 400 and "at most 1024" in long.json()["message"]
        # Not the fast path's: FastAPI answers (a 404 for two segments, a 405 for POST or HEAD, as before).
        assert client.get("/api/v1/verify/A/B").json()["error"] == "not_found"
        for method in ("POST", "HEAD"):
            assert client.request(method, "/api/v1/verify/ABC").status_code == 405
        assert "/api/v1/verify/{token}" in client.get("/openapi.json").json()["paths"]
