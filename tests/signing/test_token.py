"""The QR token: compact, verifiable offline, and refusing alteration."""

from __future__ import annotations

import base64
from datetime import date

import cbor2
import pytest
import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from signing.token import (
    MalformedToken,
    SignedToken,
    TokenClaims,
    TokenInvalid,
    TokenSigner,
    TokenVerifier,
    _base32_bytes,
    holder_digest,
    parse_token,
    token_url,
)
from tests.signing.conftest import cwt_payload

KID = "00112233aabbccdd"
CLAIMS = TokenClaims("SM-1915010000123456-01", "1915010000123456", "written", date(2026, 11, 22),
                     holder_digest("SM-1915010000123456-01", "王五", "37012419900101123X"))


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_a_token_round_trips_through_its_url(key: ec.EllipticCurvePrivateKey) -> None:
    url = token_url("https://verify.example.cn", TokenSigner(key, KID).sign(CLAIMS))
    token = parse_token(url)
    assert token.kid == KID and token.claims == CLAIMS
    assert TokenVerifier().verify(token, key.public_key()) == CLAIMS
    assert parse_token(url.lower()).claims == CLAIMS  # a scanner may change the case of the URL


def test_the_url_fits_qr_version_10_at_level_m(key: ec.EllipticCurvePrivateKey) -> None:
    url = token_url("https://verify.certledger.example", TokenSigner(key, KID).sign(CLAIMS))
    qr = segno.make(url, error="m", micro=False)
    assert qr.mode == "alphanumeric" and qr.version <= 10


def test_an_altered_token_does_not_verify(key: ec.EllipticCurvePrivateKey) -> None:
    text = TokenSigner(key, KID).sign(CLAIMS).text
    # Change one character of the signature (the token's tail) to another base32 character.
    altered = text[:-3] + ("A" if text[-3] != "A" else "B") + text[-2:]
    with pytest.raises(TokenInvalid):
        TokenVerifier().verify(parse_token(altered), key.public_key())


def test_a_token_does_not_verify_with_another_key(key: ec.EllipticCurvePrivateKey) -> None:
    token = TokenSigner(key, KID).sign(CLAIMS)
    with pytest.raises(TokenInvalid):
        TokenVerifier().verify(token, ec.generate_private_key(ec.SECP256R1()).public_key())


@pytest.mark.parametrize("text", ["", "not base32 !", "AAAA", "https://verify.example.cn/V/MFRGGZDFMZTWQ2LK"])
def test_text_that_is_not_a_token_is_malformed_not_invalid(text: str) -> None:
    with pytest.raises(MalformedToken):
        parse_token(text)


def test_the_holder_digest_binds_name_and_id_without_containing_them() -> None:
    digest = holder_digest("SM-1", "王五", "37012419900101123X")
    assert len(digest) == 16 and b"370124" not in digest
    assert digest == holder_digest("SM-1", "王五", "37012419900101123x")  # the X is case-insensitive
    assert digest != holder_digest("SM-1", "王五", "370124199001011234")
    assert digest != holder_digest("SM-2", "王五", "37012419900101123X")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_the_base32_reader_gives_the_standard_librarys_bytes(data: bytes) -> None:
    text = base64.b32encode(data).decode("ascii").rstrip("=")
    if text:
        assert _base32_bytes(text) == data


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=1, max_size=40))
def test_base32_text_the_reader_accepts_is_canonical_and_means_what_the_standard_library_reads(text: str) -> None:
    try:
        ours = _base32_bytes(text)
    except MalformedToken:
        # Refused: a length no byte string encodes to, or set bits past the last byte.
        canonical = base64.b32encode(base64.b32decode(text + "=" * (-len(text) % 8))).decode() \
            if len(text) % 8 in (0, 2, 4, 5, 7) else None
        assert canonical is None or canonical.rstrip("=") != text
        return
    assert ours == base64.b32decode(text + "=" * (-len(text) % 8))
    assert base64.b32encode(ours).decode().rstrip("=") == text


def test_a_token_with_its_last_unused_bits_set_is_malformed(key: ec.EllipticCurvePrivateKey) -> None:
    text = TokenSigner(key, KID).sign(CLAIMS).text
    assert len(text) * 5 % 8, "the test needs a token whose length leaves unused bits"
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".index(text[-1])
    with pytest.raises(MalformedToken, match="canonical"):
        parse_token(text[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[last | 1])


# ---------------------------------------------------------------- against cwt, the library that signs them
def _ours(token: SignedToken, public: ec.EllipticCurvePublicKey) -> bool:
    try:
        return TokenVerifier().verify(token, public) == token.claims
    except TokenInvalid:
        return False


_KINDS = st.sampled_from(["written", "score-pass", "qualification", "certificate"])


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"SM-19\d{14}-0[1-9]", fullmatch=True), _KINDS, st.dates(date(1990, 1, 1), date(2099, 12, 31)),
       st.binary(min_size=16, max_size=16))
def test_every_token_cwt_signs_our_check_accepts_and_cwt_reads_the_same_payload(
        key: ec.EllipticCurvePrivateKey, number: str, kind: str, day: date, digest: bytes) -> None:
    claims = TokenClaims(number, number[3:19], kind, day, digest)
    token = parse_token(TokenSigner(key, KID).sign(claims).text)
    assert TokenVerifier().verify(token, key.public_key()) == claims
    assert cwt_payload(token.raw, key.public_key(), token.kid) == token.payload == claims.to_cbor()


def test_our_check_and_cwts_agree_on_every_one_bit_alteration_of_a_token(key: ec.EllipticCurvePrivateKey) -> None:
    raw = TokenSigner(key, KID).sign(CLAIMS).raw
    public, accepted, refused = key.public_key(), 0, 0
    for i in range(len(raw)):
        for bit in range(8):
            altered = bytearray(raw)
            altered[i] ^= 1 << bit
            try:
                token = parse_token(base64.b32encode(altered).decode().rstrip("="))
            except MalformedToken as e:
                # Only a token without a key id is ours to refuse and cwt's to read (given the key directly).
                assert cwt_payload(bytes(altered), public, KID) is None or "names no key id" in str(e), (i, bit)
                continue
            ours, theirs = _ours(token, public), cwt_payload(token.raw, public, token.kid)
            assert ours == (theirs is not None), (i, bit, ours)
            accepted, refused = accepted + ours, refused + (not ours)
    # The unprotected key id may change (it only picks the key); nothing that is signed may.
    assert accepted == 8 * len(KID) // 2 and refused > 900


def test_a_token_that_names_another_algorithm_is_refused_though_its_signature_holds(
        key: ec.EllipticCurvePrivateKey) -> None:
    payload = CLAIMS.to_cbor()

    def token_with(alg: int) -> SignedToken:  # signed by hand with SHA-256, whatever the header says
        protected = cbor2.dumps({1: alg})
        r, s = decode_dss_signature(key.sign(cbor2.dumps(["Signature1", protected, b"", payload]),
                                             ec.ECDSA(hashes.SHA256())))
        raw = cbor2.dumps(cbor2.CBORTag(18, [protected, {4: bytes.fromhex(KID)}, payload,
                                             r.to_bytes(32, "big") + s.to_bytes(32, "big")]))
        return parse_token(base64.b32encode(raw).decode().rstrip("="))

    assert TokenVerifier().verify(token_with(-7), key.public_key()) == CLAIMS
    with pytest.raises(TokenInvalid, match="not ES256"):
        TokenVerifier().verify(token_with(-35), key.public_key())  # ES384


# ------------------------------------------------------------- crafted claims (issue 14: no 500s)
def _with_payload(payload: object, *, kid: str = KID) -> str:
    """A COSE_Sign1 token around `payload`, its signature junk: what a forger can make without a key."""
    raw = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -7}), {4: bytes.fromhex(kid)}, cbor2.dumps(payload),
                                         b"\x00" * 64]))
    return base64.b32encode(raw).decode().rstrip("=")


GOOD = {1: CLAIMS.document_number, 2: CLAIMS.certificate_number, 3: 1, 4: 20261122, 5: CLAIMS.holder_digest}
CRAFTED = {
    "a kind of 2**63": {**GOOD, 3: 2**63},
    "a kind of 2**64 + 1 (a bignum)": {**GOOD, 3: 2**64 + 1},
    "a date of 10**30": {**GOOD, 4: 10**30},
    "a date of 2**63": {**GOOD, 4: 2**63},
    "a negative date": {**GOOD, 4: -(2**63)},
    "a date of inf": {**GOOD, 4: float("inf")},
    "a date of nan": {**GOOD, 4: float("nan")},
    "a date of 1e300": {**GOOD, 4: 1e300},
    "a kind of True": {**GOOD, 3: True},
    "a bigfloat date": {**GOOD, 4: cbor2.CBORTag(5, [10**6, 3])},
    "a decimal fraction date": {**GOOD, 4: cbor2.CBORTag(4, [10**6, 3])},
    "a day 0 of month 13": {**GOOD, 4: 20261300},
    "a number that is an integer": {**GOOD, 1: 2**70},
    "a digest that is text": {**GOOD, 5: "x" * 16},
    "an epoch date past year 9999": {**GOOD, 4: cbor2.CBORTag(1, 10**30)},
    "a regular expression": {**GOOD, 1: cbor2.CBORTag(35, "(")},
    "a claim set that is a list": [1, 2, 3],
}


@pytest.mark.parametrize("payload", CRAFTED.values(), ids=CRAFTED.keys())
def test_every_crafted_claim_is_malformed_never_an_overflow(payload: object) -> None:
    with pytest.raises(MalformedToken):
        parse_token(_with_payload(payload))


def test_a_bigfloat_too_large_for_any_decimal_is_malformed() -> None:
    # cbor2 computes mantissa * 2**exponent in decimal arithmetic: decimal.Overflow inside the decoder.
    with pytest.raises(MalformedToken):
        parse_token(_with_payload({**GOOD, 4: cbor2.CBORTag(5, [10**9, 1])}))
    with pytest.raises(MalformedToken):
        parse_token(_with_payload({**GOOD, 4: cbor2.CBORTag(4, [10**18, 1])}))


def test_the_genuine_claims_still_read() -> None:
    assert parse_token(_with_payload(GOOD)).claims == CLAIMS
