"""The signed trust list: round trip, tampering, the pinned root, and may_sign_at as the ledger has it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from keys.errors import InvalidKeyInput, TrustListInvalid, TrustListMalformed, TrustListUnverified
from keys.store import KeyStore, LoadedRoot, OfficeKey
from keys.trustlist import TRUST_LIST_TYPE, TrustedKey, build_trust_list, load_trust_list
from ledger.domain import SigningKey
from ledger.views import SigningKeyView
from tests.keys.conftest import KEY_PASSPHRASE, NOT_AFTER, NOT_BEFORE, ROOT_CREATED, ROOT_PASSPHRASE

ISSUED_AT = datetime(2025, 7, 1, 8, 30, tzinfo=UTC)
RETIRED_AT = datetime(2025, 6, 1, 12, 0, 0, 500_000, tzinfo=UTC)
COMPROMISED_AT = datetime(2025, 1, 1, tzinfo=UTC)
REVOKED_AT = datetime(2025, 2, 1, tzinfo=UTC)


def _view(key: OfficeKey, retired_at: datetime | None = None, compromised_at: datetime | None = None,
          reason: str | None = None) -> SigningKeyView:
    return SigningKeyView(kid=key.kid, office=key.office, algorithm=key.algorithm, public_key_pem=key.public_key_pem,
                          certificate_pem=key.certificate_pem, not_before=key.not_before, not_after=key.not_after,
                          registered_at=key.not_before, retired_at=retired_at, compromised_at=compromised_at,
                          revocation_reason=reason)


def _new_key(store: KeyStore) -> OfficeKey:
    return store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                     not_before=NOT_BEFORE, not_after=NOT_AFTER)


def _segments(token: bytes) -> list[bytes]:
    return token.split(b".")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64(data: bytes) -> bytes:
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def _sign(root: LoadedRoot, payload: Any, headers: dict[str, Any] | None = None) -> bytes:
    """A list signed by `root` with any payload: to reach the checks after the signature."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return jwt.api_jws.PyJWS().encode(body, root.private_key, algorithm="ES256",  # type: ignore[arg-type]
                                      headers=headers or {"typ": TRUST_LIST_TYPE}).encode()


@pytest.fixture
def root(store: KeyStore) -> LoadedRoot:
    return store.load_root(ROOT_PASSPHRASE)


@pytest.fixture
def pinned(store: KeyStore) -> bytes:
    return store.root_certificate_pem().encode()


@pytest.fixture
def trust_list(store: KeyStore, root: LoadedRoot, office_key: OfficeKey) -> bytes:
    retired = _new_key(store)
    revoked = _new_key(store)
    views = [_view(office_key), _view(retired, retired_at=RETIRED_AT),
             _view(revoked, compromised_at=COMPROMISED_AT, reason="laptop stolen")]
    return build_trust_list(views, root, issuer="1501 济南", issued_at=ISSUED_AT)


def _payload(token: bytes) -> dict[str, Any]:
    return json.loads(_unb64(_segments(token)[1]))


# -- round trip ----------------------------------------------------------------------------


def test_the_trust_list_is_a_compact_jws_signed_by_the_root(trust_list: bytes, store: KeyStore) -> None:
    assert len(_segments(trust_list)) == 3
    header = json.loads(_unb64(_segments(trust_list)[0]))
    assert header["alg"] == "ES256" and header["typ"] == TRUST_LIST_TYPE
    root_der = x509.load_pem_x509_certificate(store.root_certificate_pem().encode()).public_bytes(
        serialization.Encoding.DER)
    assert header["x5c"] == [base64.b64encode(root_der).decode()]
    payload = _payload(trust_list)
    assert payload["version"] == 1 and payload["issuer"] == "1501 济南"
    assert [k["status"] for k in payload["keys"]].count("active") == 1
    assert {k["status"] for k in payload["keys"]} == {"active", "retired", "revoked"}


def test_the_trust_list_round_trips(trust_list: bytes, pinned: bytes, store: KeyStore,
                                    office_key: OfficeKey) -> None:
    loaded = load_trust_list(trust_list, pinned)
    assert loaded.issuer == "1501 济南"
    assert loaded.issued_at == ISSUED_AT
    assert loaded.root_certificate_pem == store.root_certificate_pem()
    assert sorted(loaded.keys) == store.list_kids()
    key = loaded.keys[office_key.kid]
    assert (key.kid, key.office, key.algorithm) == (office_key.kid, "1501", "ES256")
    assert (key.not_before, key.not_after) == (NOT_BEFORE, NOT_AFTER)
    assert key.certificate_pem == office_key.certificate_pem
    assert key.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                                       ).decode() == office_key.public_key_pem
    assert (key.retired_at, key.compromised_at, key.revocation_reason, key.status) == (None, None, None, "active")
    retired = next(k for k in loaded.keys.values() if k.status == "retired")
    assert retired.retired_at == RETIRED_AT  # microseconds survive
    revoked = next(k for k in loaded.keys.values() if k.status == "revoked")
    assert (revoked.compromised_at, revoked.revocation_reason) == (COMPROMISED_AT, "laptop stolen")


def test_a_loaded_trust_list_verifies_the_offices_signatures(trust_list: bytes, pinned: bytes, store: KeyStore,
                                                             office_key: OfficeKey) -> None:
    key = load_trust_list(trust_list, pinned).keys[office_key.kid]
    signature = store.load_signer(office_key.kid, KEY_PASSPHRASE).sign(b"a proof")
    assert key.verify(b"a proof", signature)
    assert not key.verify(b"another proof", signature)


def test_a_trust_list_loads_from_text_with_a_trailing_newline(trust_list: bytes, pinned: bytes) -> None:
    assert load_trust_list(trust_list.decode() + "\n", pinned.decode()).issued_at == ISSUED_AT


def test_an_empty_trust_list_round_trips(root: LoadedRoot, pinned: bytes) -> None:
    assert load_trust_list(build_trust_list([], root, issuer="1501", issued_at=ISSUED_AT), pinned).keys == {}


# -- what must not verify ------------------------------------------------------------------


def test_a_flipped_character_in_the_payload_does_not_verify(trust_list: bytes, pinned: bytes) -> None:
    header, payload, signature = _segments(trust_list)
    middle = len(payload) // 2
    swapped = b"B" if payload[middle:middle + 1] == b"A" else b"A"
    tampered = b".".join([header, payload[:middle] + swapped + payload[middle + 1:], signature])
    with pytest.raises(TrustListUnverified, match="does not verify against the pinned root"):
        load_trust_list(tampered, pinned)


def test_a_flipped_character_in_the_signature_does_not_verify(trust_list: bytes, pinned: bytes) -> None:
    header, payload, signature = _segments(trust_list)
    swapped = b"B" if signature[10:11] == b"A" else b"A"
    with pytest.raises(TrustListUnverified):
        load_trust_list(b".".join([header, payload, signature[:10] + swapped + signature[11:]]), pinned)


def test_a_flipped_byte_that_breaks_the_encoding_is_malformed(trust_list: bytes, pinned: bytes) -> None:
    header, payload, signature = _segments(trust_list)
    with pytest.raises(TrustListMalformed, match="not a compact JWS"):
        load_trust_list(b".".join([header, payload[:5] + b"!" + payload[6:], signature]), pinned)


def test_a_tampered_payload_does_not_verify(trust_list: bytes, pinned: bytes) -> None:
    header, payload, signature = _segments(trust_list)
    body = _payload(trust_list)
    for entry in body["keys"]:  # the attacker's aim: bring a revoked key back
        entry["compromised_at"] = entry["revocation_reason"] = None
        entry["status"] = "active"
    forged = _b64(json.dumps(body).encode())
    with pytest.raises(TrustListUnverified):
        load_trust_list(b".".join([header, forged, signature]), pinned)


def test_a_list_signed_by_another_root_does_not_verify_against_the_pinned_root(
        tmp_path: Path, pinned: bytes) -> None:
    other = KeyStore(tmp_path / "other")
    other.init_root(ROOT_PASSPHRASE, "certledger test root", now=ROOT_CREATED)
    foreign = other.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                        not_before=NOT_BEFORE, not_after=NOT_AFTER)
    token = build_trust_list([_view(foreign)], other.load_root(ROOT_PASSPHRASE), issuer="1501", issued_at=ISSUED_AT)
    assert load_trust_list(token, other.root_certificate_pem().encode()).keys  # fine under its own root
    with pytest.raises(TrustListUnverified, match="does not verify against the pinned root"):
        load_trust_list(token, pinned)


def test_a_list_naming_another_root_in_its_payload_is_refused(tmp_path: Path, root: LoadedRoot, pinned: bytes,
                                                              trust_list: bytes) -> None:
    other = KeyStore(tmp_path / "other")
    other.init_root(ROOT_PASSPHRASE, "another root", now=ROOT_CREATED)
    body = _payload(trust_list)
    body["root_certificate"] = other.root_certificate_pem()
    with pytest.raises(TrustListUnverified, match="names a different root than the pinned one"):
        load_trust_list(_sign(root, body), pinned)


def test_an_unsigned_or_hmac_list_is_refused(trust_list: bytes, pinned: bytes) -> None:
    body = json.dumps(_payload(trust_list)).encode()
    unsigned = jwt.api_jws.PyJWS().encode(body, "", algorithm="none", headers={"typ": TRUST_LIST_TYPE}).encode()
    with pytest.raises(TrustListUnverified, match="not signed with ES256"):
        load_trust_list(unsigned, pinned)
    header = _b64(json.dumps({"alg": "HS256", "typ": TRUST_LIST_TYPE}).encode())
    with pytest.raises(TrustListUnverified):  # the pinned certificate as an HMAC secret: algorithm confusion
        load_trust_list(header + b"." + _b64(body) + b"." + _b64(b"\0" * 32), pinned)


def test_the_two_failures_are_distinguishable_and_share_a_root() -> None:
    assert issubclass(TrustListMalformed, TrustListInvalid) and issubclass(TrustListUnverified, TrustListInvalid)
    assert not issubclass(TrustListMalformed, TrustListUnverified)
    assert not issubclass(TrustListUnverified, TrustListMalformed)
    assert TrustListMalformed("x").code != TrustListUnverified("x").code


# -- malformed, though signed --------------------------------------------------------------


@pytest.mark.parametrize("garbage", [b"", b"not a jws", b"a.b", b"a.b.c.d", "钥匙".encode()])
def test_garbage_is_malformed(garbage: bytes, pinned: bytes) -> None:
    with pytest.raises(TrustListMalformed):
        load_trust_list(garbage, pinned)


def test_a_signed_payload_that_is_not_json_is_malformed(root: LoadedRoot, pinned: bytes) -> None:
    with pytest.raises(TrustListMalformed, match="payload is not JSON"):
        load_trust_list(_sign(root, b"\xff not json"), pinned)


def test_a_signed_object_of_another_type_is_malformed(root: LoadedRoot, pinned: bytes, trust_list: bytes) -> None:
    with pytest.raises(TrustListMalformed, match="not a certledger trust list"):
        load_trust_list(_sign(root, _payload(trust_list), headers={"typ": "JWT"}), pinned)


def _broken(trust_list: bytes, change: str) -> dict[str, Any]:
    body = _payload(trust_list)
    entry = body["keys"][0]
    if change == "version":
        body["version"] = 2
    elif change == "missing kid":
        del entry["kid"]
    elif change == "naive time":
        entry["not_before"] = "2024-03-01T00:00:00"
    elif change == "kid mismatch":
        entry["kid"] = "0" * 16
    elif change == "unknown algorithm":
        entry["algorithm"] = "SM2"
    elif change == "status contradicts":
        entry["status"] = "active" if entry["status"] != "active" else "revoked"
    elif change == "window reversed":
        entry["not_before"], entry["not_after"] = entry["not_after"], entry["not_before"]
    elif change == "certificate of another key":
        entry["certificate"] = body["keys"][1]["certificate"]
    elif change == "duplicate":
        body["keys"].append(entry)
    elif change == "keys not a list":
        body["keys"] = {}
    return body


@pytest.mark.parametrize("change, message", [
    ("version", "unsupported version 2"),
    ("missing kid", "kid is missing"),
    ("naive time", "not_before is not an ISO 8601 time with a UTC offset"),
    ("kid mismatch", "kid is not the hash of its public key"),
    ("unknown algorithm", "unknown algorithm 'SM2'"),
    ("status contradicts", "contradicts the dates"),
    ("window reversed", "not_after is not after not_before"),
    ("certificate of another key", "certificate is for another key"),
    ("duplicate", "listed twice"),
    ("keys not a list", "keys is not a list"),
])
def test_a_signed_but_inconsistent_list_is_malformed(change: str, message: str, trust_list: bytes,
                                                     root: LoadedRoot, pinned: bytes) -> None:
    with pytest.raises(TrustListMalformed, match=message) as caught:
        load_trust_list(_sign(root, _broken(trust_list, change)), pinned)
    assert "\n" not in str(caught.value)


def test_a_pinned_root_that_is_not_a_certificate_is_refused(trust_list: bytes) -> None:
    with pytest.raises(InvalidKeyInput, match="pinned root"):
        load_trust_list(trust_list, b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")


# -- building ------------------------------------------------------------------------------


def test_building_refuses_a_key_whose_certificate_is_from_another_root(tmp_path: Path, root: LoadedRoot) -> None:
    other = KeyStore(tmp_path / "other")
    other.init_root(ROOT_PASSPHRASE, "another root", now=ROOT_CREATED)
    foreign = other.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                        not_before=NOT_BEFORE, not_after=NOT_AFTER)
    with pytest.raises(InvalidKeyInput, match=f"key {foreign.kid}: certificate is not issued by the root"):
        build_trust_list([_view(foreign)], root, issuer="1501", issued_at=ISSUED_AT)


def test_building_refuses_naive_times_and_duplicates(root: LoadedRoot, office_key: OfficeKey) -> None:
    with pytest.raises(InvalidKeyInput, match="issued_at"):
        build_trust_list([_view(office_key)], root, issuer="1501", issued_at=datetime(2025, 7, 1))
    with pytest.raises(InvalidKeyInput, match="listed twice"):
        build_trust_list([_view(office_key), _view(office_key)], root, issuer="1501", issued_at=ISSUED_AT)
    with pytest.raises(InvalidKeyInput, match="not timezone-aware"):
        build_trust_list([_view(office_key, retired_at=datetime(2025, 1, 1))], root, issuer="1501",
                         issued_at=ISSUED_AT)


def test_the_same_keys_give_the_same_payload(root: LoadedRoot, office_key: OfficeKey) -> None:
    first = build_trust_list([_view(office_key)], root, issuer="1501", issued_at=ISSUED_AT)
    second = build_trust_list([_view(office_key)], root, issuer="1501", issued_at=ISSUED_AT)
    assert _segments(first)[:2] == _segments(second)[:2]  # ECDSA signatures differ; the signed bytes do not


# -- may_sign_at ---------------------------------------------------------------------------


def _trusted(store: KeyStore, root: LoadedRoot, pinned: bytes, key: OfficeKey, **changes: Any) -> TrustedKey:
    token = build_trust_list([_view(key, **changes)], root, issuer="1501", issued_at=ISSUED_AT)
    return load_trust_list(token, pinned).keys[key.kid]


def test_may_sign_at_inside_and_outside_the_window(store: KeyStore, root: LoadedRoot, pinned: bytes,
                                                   office_key: OfficeKey) -> None:
    key = _trusted(store, root, pinned, office_key)
    assert key.may_sign_at(NOT_BEFORE) == (True, "ok")
    assert key.may_sign_at(NOT_AFTER - timedelta(microseconds=1)) == (True, "ok")
    ok, why = key.may_sign_at(NOT_BEFORE - timedelta(microseconds=1))
    assert not ok and why == f"key {key.kid} is not valid before 2024-03-01T00:00:00+00:00"
    ok, why = key.may_sign_at(NOT_AFTER)  # the window is half-open
    assert not ok and why == f"key {key.kid} stopped signing at 2026-03-01T00:00:00+00:00"


def test_may_sign_at_after_retirement(store: KeyStore, root: LoadedRoot, pinned: bytes,
                                      office_key: OfficeKey) -> None:
    key = _trusted(store, root, pinned, office_key, retired_at=RETIRED_AT)
    assert key.may_sign_at(RETIRED_AT - timedelta(microseconds=1)) == (True, "ok")
    ok, why = key.may_sign_at(RETIRED_AT)
    assert not ok and why == f"key {key.kid} stopped signing at {RETIRED_AT.isoformat()}"
    assert not key.may_sign_at(RETIRED_AT + timedelta(days=30))[0]


def test_may_sign_at_before_at_and_after_compromise(store: KeyStore, root: LoadedRoot, pinned: bytes,
                                                    office_key: OfficeKey) -> None:
    key = _trusted(store, root, pinned, office_key, compromised_at=COMPROMISED_AT, reason="laptop stolen")
    assert key.may_sign_at(COMPROMISED_AT - timedelta(seconds=1)) == (True, "ok")
    expected = f"key {key.kid} was compromised at 2025-01-01T00:00:00+00:00 (laptop stolen)"
    assert key.may_sign_at(COMPROMISED_AT) == (False, expected)
    assert key.may_sign_at(COMPROMISED_AT + timedelta(days=1)) == (False, expected)


def test_may_sign_at_accepts_times_in_any_offset(store: KeyStore, root: LoadedRoot, pinned: bytes,
                                                 office_key: OfficeKey) -> None:
    from zoneinfo import ZoneInfo

    key = _trusted(store, root, pinned, office_key)
    # 2024-03-01 07:59 in Beijing is still 2024-02-29 in UTC: before the window.
    assert not key.may_sign_at(datetime(2024, 3, 1, 7, 59, tzinfo=ZoneInfo("Asia/Shanghai")))[0]
    assert key.may_sign_at(datetime(2024, 3, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai")))[0]


def _ledger_key(key: OfficeKey, retired_at: datetime | None, compromised_at: datetime | None) -> SigningKey:
    aggregate = SigningKey.register(key.kid, key.office, key.algorithm, key.public_key_pem, key.certificate_pem,
                                    key.not_before, key.not_after, operator="张三", at=key.not_before)
    if retired_at is not None:
        aggregate.retire("rotation", operator="张三", office=key.office, at=retired_at)
    if compromised_at is not None:
        aggregate.revoke(compromised_at, "laptop stolen", operator="张三", office=key.office, at=REVOKED_AT)
    return aggregate


@pytest.mark.parametrize("retired_at, compromised_at", [
    (None, None), (RETIRED_AT, None), (None, COMPROMISED_AT), (RETIRED_AT, COMPROMISED_AT),
    (datetime(2024, 12, 1, tzinfo=UTC), COMPROMISED_AT),  # compromised after it stopped signing
])
def test_may_sign_at_answers_exactly_as_the_ledger_does(retired_at: datetime | None, compromised_at: datetime | None,
                                                        store: KeyStore, root: LoadedRoot, pinned: bytes,
                                                        office_key: OfficeKey) -> None:
    ledger_key = _ledger_key(office_key, retired_at, compromised_at)
    trusted = _trusted(store, root, pinned, office_key, retired_at=retired_at, compromised_at=compromised_at,
                       reason="laptop stolen" if compromised_at else None)
    edges = [NOT_BEFORE, NOT_AFTER, COMPROMISED_AT, RETIRED_AT, datetime(2024, 12, 1, tzinfo=UTC)]
    moments = sorted({edge + delta for edge in edges
                      for delta in (timedelta(microseconds=-1), timedelta(0), timedelta(microseconds=1))})
    for moment in moments:
        assert trusted.may_sign_at(moment) == ledger_key.may_sign_at(moment), moment
