"""Uploaded PDFs: every check named, bad files refused with the right 4xx, sizes and rates bounded."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.verify_api.conftest import MASKED, Home
from verify_api.app import create_app


# ------------------------------------------------------------------------------- PDFs
def upload(client: TestClient, data: bytes, name: str = "proof.pdf") -> tuple[int, dict]:  # type: ignore[type-arg]
    r = client.post("/api/v1/verify/pdf", files={"file": (name, data, "application/pdf")})
    return r.status_code, r.json()


def test_an_uploaded_signed_pdf_passes_every_check(home: Home, client: TestClient) -> None:
    status, v = upload(client, home.proof("1915010000000740").pdf)
    assert status == 200 and v["outcome"] == "current"
    assert [c["check"] for c in v["checks"]] == ["format", "signature", "chain", "key_window", "recorded",
                                                 "qr_token", "status"]
    assert all(c["ok"] for c in v["checks"]) and v["document"]["id_number_masked"] == MASKED


def test_a_tampered_pdf_names_the_failed_step(home: Home, client: TestClient) -> None:
    data = bytearray(home.proof("1915010000000741").pdf)
    data[data.index(b"stream\n", 200) + 30] ^= 0x01
    status, v = upload(client, bytes(data))
    assert status == 200 and v["outcome"] == "not-genuine" and v["failed_check"]["check"] == "signature"
    assert v["document"] is None


def test_a_file_that_is_not_a_pdf_is_refused_with_415(client: TestClient) -> None:
    status, body = upload(client, b"GIF89a not a pdf", "x.gif")
    assert status == 415 and body["error"] == "not_a_pdf"


def test_a_broken_pdf_is_a_422_with_a_json_body(client: TestClient) -> None:
    for data in (b"%PDF-1.7\n", b"%PDF-1.4\n" + bytes(range(256)) * 20, b"%PDF-" + b"\x00" * 100):
        status, body = upload(client, data)
        assert status == 422 and body["error"] == "unreadable_pdf", body


def test_a_file_over_the_limit_is_refused_with_413(home: Home) -> None:
    with TestClient(create_app(home.settings(max_upload_bytes=10_000))) as client:
        status, body = upload(client, b"%PDF-1.7\n" + b"0" * 20_000)
        assert status == 413 and body["error"] == "too_large"
        huge = client.post("/api/v1/verify/pdf", content=b"x" * 200_000,
                           headers={"content-type": "multipart/form-data; boundary=x"})
        assert huge.status_code == 413 and huge.json()["error"] == "too_large"
        streamed = client.post("/api/v1/verify/pdf", content=iter([b"x" * 50_000] * 3),  # no length: chunked
                               headers={"content-type": "multipart/form-data; boundary=x"})
        assert streamed.status_code == 413 and streamed.json()["error"] == "too_large"


def test_an_upload_without_a_file_is_a_422(client: TestClient) -> None:
    r = client.post("/api/v1/verify/pdf", data={"other": "x"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_uploads_are_rate_limited_per_client(home: Home) -> None:
    with TestClient(create_app(home.settings(pdf_per_minute=2))) as client:
        assert [upload(client, b"nope")[0] for _ in range(3)] == [415, 415, 429]
