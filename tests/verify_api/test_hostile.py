"""The service under hostile input (issue 14): crafted claims are 4xx, the page behind the QR code always
answers with a page, an unreadable PDF names its failed check, a forged token counts as forged."""

from __future__ import annotations

import base64
import sqlite3

import pytest
from fastapi.testclient import TestClient

from tests.signing.test_token import CRAFTED
from tests.verify_api.conftest import Home
from tests.verify_api.served import forge
from verify_api.app import create_app


def _token(payload: object, kid: str) -> str:
    import cbor2

    raw = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -7}), {4: bytes.fromhex(kid)}, cbor2.dumps(payload),
                                         b"\x00" * 64]))
    return base64.b32encode(raw).decode().rstrip("=")


@pytest.fixture
def quiet_client(home: Home):  # type: ignore[no-untyped-def]
    with TestClient(create_app(home.settings(verify_records=False)), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("payload", CRAFTED.values(), ids=CRAFTED.keys())
def test_every_crafted_claim_is_a_400_in_json_and_on_the_page(home: Home, quiet_client: TestClient,
                                                             payload: object) -> None:
    token = _token(payload, home.office.kids[0])  # the office's real key id: past the key lookup
    r = quiet_client.get(f"/api/v1/verify/{token}")
    assert r.status_code == 400 and r.json()["error"] == "malformed_token", r.text
    for path in (f"/V/{token.upper()}", f"/v/{token.lower()}"):
        page = quiet_client.get(path)
        assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
        assert "不是证书核验码" in page.text


def test_the_page_answers_with_a_page_whatever_goes_wrong(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(home.settings(verify_records=False))

    def explode(text: str) -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        monkeypatch.setattr(app.state.service, "verify_token", explode)
        for path in ("/V/ABCDEFGH", "/v/abcdefgh"):
            r = client.get(path)
            assert r.status_code == 500 and r.headers["content-type"].startswith("text/html"), r.text
            assert "暂时无法核验" in r.text and "a bug" not in r.text
        api = client.get("/api/v1/verify/ABCDEFGH")  # the JSON API keeps its JSON 500
        assert api.status_code == 500 and api.json()["error"] == "internal"
        for path, status in (("/V/A/B", 404), ("/V/" + "A" * 1025, 400)):
            r = client.get(path)
            assert r.status_code == status and r.headers["content-type"].startswith("text/html"), (path, r.text)
        r = client.post("/V/ABCDEFGH")
        assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")


def test_the_page_says_unavailable_in_html_when_the_trust_list_is_gone(home: Home) -> None:
    (home.path / "trust-list.jws").unlink()
    (home.path / "keys" / "root.cert.pem").unlink()  # the lists the ledger recorded cannot be verified either
    with TestClient(create_app(home.settings(verify_records=False))) as client:
        r = client.get("/V/ABCDEFGH")
        assert r.status_code == 503 and r.headers["content-type"].startswith("text/html")
        assert "Verification unavailable" in r.text


@pytest.mark.parametrize("cut", ["tail", "signature-value"])
def test_an_unreadable_pdf_is_a_422_naming_the_failed_format_check(home: Home, quiet_client: TestClient,
                                                                   cut: str) -> None:
    pdf = home.proof("1915010000000731").pdf
    if cut == "tail":
        data = pdf[: pdf.rindex(b"startxref")]
    else:
        raw = bytearray(pdf)
        at = raw.index(b"/Contents <") + len(b"/Contents <") + 2
        raw[at] = ord("0") if raw[at] != ord("0") else ord("1")
        data = bytes(raw)
    r = quiet_client.post("/api/v1/verify/pdf", files={"file": ("p.pdf", data, "application/pdf")})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "unreadable_pdf" and body["failed_check"]["check"] == "format"
    assert body["failed_check"]["reason"] == "malformed" and body["failed_check"]["label"] == "文件格式"
    assert "format: unreadable PDF" in body["message"]


def test_each_check_carries_its_reason(home: Home, quiet_client: TestClient) -> None:
    signed = home.proof("1915010000000731")
    good = quiet_client.get(f"/api/v1/verify/{signed.token}").json()
    assert [c["reason"] for c in good["checks"]] == [None] * 5
    bad = quiet_client.get(f"/api/v1/verify/{forge(signed.token)}").json()
    assert [c["reason"] for c in bad["checks"]] == [None, "signature-invalid", "not-checked", "not-checked",
                                                    "not-checked"]
    assert bad["failed_check"]["reason"] == "signature-invalid"


def test_a_forged_token_naming_a_real_document_counts_as_forged(home: Home) -> None:
    signed = home.proof("1915010000000731")
    with TestClient(create_app(home.settings())) as client:
        client.get(f"/api/v1/verify/{forge(signed.token)}")
        client.get(f"/v/{forge(signed.token)}")
        client.app.state.service.recorder.flush()  # type: ignore[attr-defined]
    with sqlite3.connect(home.path / "verifications.sqlite") as conn:
        rows = conn.execute("SELECT reference, outcome, via, count FROM verification_counts").fetchall()
    assert rows == [("-", "not-genuine", "token", 2)]
