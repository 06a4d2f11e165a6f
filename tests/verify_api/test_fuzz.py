"""Inputs built to get past the first checks (base32 of near-COSE bytes, a real PDF with bytes changed or cut):
the answer is a verdict or a 4xx, never a server error."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import cbor2
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signing.pipeline import SignedDocument
from tests.verify_api.conftest import Home
from verify_api.app import create_app

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def signed(home: Home) -> SignedDocument:
    return home.proof("1915010000000731")


@pytest.fixture
def fuzz_client(home: Home) -> Iterator[TestClient]:
    with TestClient(create_app(home.settings(pdf_per_minute=100_000, verify_records=False)),
                    raise_server_exceptions=False) as client:
        yield client


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


# Numbers past every machine range (2**63, 10**30, inf, nan), and cbor2's semantic tags: epoch dates (1),
# decimal fractions (4) and bigfloats (5) whose decimal arithmetic overflows, rationals (30), regular
# expressions (35), MIME (36), UUIDs (37), sets (258).
hostile_scalars = (st.integers(-(2**70), 2**70) | st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**30])
                   | st.floats(allow_nan=True, allow_infinity=True)
                   | st.builds(cbor2.CBORTag, st.sampled_from([0, 1, 4, 5, 30, 35, 36, 37, 258]),
                               st.integers(-(2**70), 2**70) | st.text(max_size=12)
                               | st.lists(st.integers(-(10**20), 10**20), min_size=2, max_size=2)))
cbor_values = st.recursive(
    st.none() | st.booleans() | hostile_scalars | st.binary(max_size=40) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.integers(-5, 10), inner, max_size=5),
    max_leaves=12)
# A claim set whose every field is there, each a hostile value or a plausible one: past the map checks.
claim_sets = st.fixed_dictionaries({1: st.text(max_size=30) | hostile_scalars,
                                    2: st.text(max_size=20) | hostile_scalars, 3: st.integers(0, 5) | hostile_scalars,
                                    4: st.integers(19000101, 29991231) | hostile_scalars,
                                    5: st.binary(min_size=16, max_size=16) | hostile_scalars})


@FUZZ
@given(protected=cbor_values, unprotected=cbor_values, payload=cbor_values, signature=st.binary(max_size=80),
       tagged=st.booleans())
def test_any_cose_shaped_token_gets_a_verdict_or_a_400(fuzz_client: TestClient, protected: object,
                                                        unprotected: object, payload: object, signature: bytes,
                                                        tagged: bool) -> None:
    body = [cbor2.dumps(protected), unprotected, cbor2.dumps(payload), signature]
    raw = cbor2.dumps(cbor2.CBORTag(18, body) if tagged else body)
    for path in (f"/api/v1/verify/{b32(raw)}", f"/v/{b32(raw)}"):
        assert fuzz_client.get(path).status_code in (200, 400)


@settings(FUZZ, max_examples=150)
@given(claims=claim_sets, real_kid=st.booleans())
def test_any_hostile_claim_set_gets_a_verdict_or_a_400(fuzz_client: TestClient, home: Home, claims: object,
                                                       real_kid: bool) -> None:
    kid = bytes.fromhex(home.office.kids[0]) if real_kid else b"\x01" * 8
    raw = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -7}), {4: kid}, cbor2.dumps(claims), b"\x00" * 64]))
    for path in (f"/api/v1/verify/{b32(raw)}", f"/v/{b32(raw)}", f"/V/{b32(raw)}"):
        r = fuzz_client.get(path)
        assert r.status_code in (200, 400), (path, r.status_code, r.text[:200])
        if path.startswith(("/v/", "/V/")):
            assert r.headers["content-type"].startswith("text/html")


@FUZZ
@given(data=st.data())
def test_a_signed_pdf_with_bytes_changed_or_cut_gets_a_verdict_or_a_4xx(fuzz_client: TestClient,
                                                                          signed: SignedDocument,
                                                                          data: st.DataObject) -> None:
    pdf = bytearray(signed.pdf)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(pdf) - 1))
        pdf[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(5, len(pdf))) if data.draw(st.booleans()) else len(pdf)
    r = fuzz_client.post("/api/v1/verify/pdf", files={"file": ("p.pdf", bytes(pdf[:cut]))})
    assert r.status_code in (200, 415, 422), r.text
    if r.status_code == 200 and bytes(pdf[:cut]) != signed.pdf:
        assert r.json()["outcome"] == "not-genuine"
