"""The QR token: compact, verifiable offline, and refusing alteration."""

from __future__ import annotations

import base64
from datetime import date

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from signing.token import (
    MalformedToken,
    TokenClaims,
    TokenInvalid,
    TokenSigner,
    TokenVerifier,
    _base32_bytes,
    holder_digest,
    parse_token,
    token_url,
)

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
