"""The QR token: a COSE_Sign1 (RFC 9052) envelope, as the EU Digital COVID Certificate uses.

The payload is a small CBOR map (document number, certificate number, kind, date, and a
digest binding the holder's name and ID number without showing them), signed ES256 by the
office key whose id is in the protected header. It travels base32-encoded (RFC 4648, no
padding) in an upper-case URL, so the QR code uses the alphanumeric mode and a 280-character
URL fits QR version 10 at error correction level M.

The token verifies offline against the trust list (signature, key) and online against the
ledger (the document's current status). It is signed with `cwt`; it is checked here on cbor2 and
cryptography (RFC 9052 section 4.4: the ECDSA signature over the Sig_structure), because cwt's check
decodes the token a second time and reads the signature's integers in Python: 115 of its 200 us
were not the signature check itself, on the one path every scan takes. The tests hold the two to
the same answers, on good tokens and on every one-bit alteration of them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ec import (
    ECDSA,
    SECP256R1,
    EllipticCurvePrivateKey,
    EllipticCurvePublicKey,
)
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cwt import COSE, COSEKey

from signing.errors import SigningError

KINDS = {"written": 1, "score-pass": 2, "qualification": 3, "certificate": 4}
KIND_NAMES = {v: k for k, v in KINDS.items()}
_COSE_SIGN1_TAG = 18
_ALG_HEADER, _KID_HEADER = 1, 4
_ES256 = -7
_ES256_CHECK = ECDSA(hashes.SHA256())
_PATH = "/V/"
_DIGEST_CONTEXT = b"certledger-holder-v1"


class MalformedToken(SigningError):
    """The text is not a certledger token at all (structure, encoding)."""


class TokenInvalid(SigningError):
    """A well-formed token whose signature does not verify."""


@dataclass(frozen=True)
class TokenClaims:
    document_number: str
    certificate_number: str
    kind: str
    issued_on: date
    holder_digest: bytes

    def to_cbor(self) -> bytes:
        return cbor2.dumps({1: self.document_number, 2: self.certificate_number, 3: KINDS[self.kind],
                            4: int(self.issued_on.strftime("%Y%m%d")), 5: self.holder_digest})

    @classmethod
    def from_cbor(cls, data: bytes) -> TokenClaims:
        """The claims of a payload; every value is type- and range-checked before it is converted."""
        m = _cbor(data, "token payload")
        if not isinstance(m, dict):
            raise MalformedToken("token payload is not a certledger claim set (not a map)")
        kind = _claim_int(m, 3, min(KIND_NAMES), max(KIND_NAMES))
        day = _claim_int(m, 4, _FIRST_DAY, _LAST_DAY)
        try:
            issued_on = date(day // 10000, day // 100 % 100, day % 100)
        except ValueError:
            raise MalformedToken(f"token claim 4 is no calendar date ({day})") from None
        digest = m.get(5)
        if not isinstance(digest, bytes) or len(digest) != _DIGEST_SIZE:
            raise MalformedToken(f"token claim 5 is not a {_DIGEST_SIZE}-byte holder digest")
        return cls(_claim_text(m, 1), _claim_text(m, 2), KIND_NAMES[kind], issued_on, digest)


_FIRST_DAY, _LAST_DAY = 1900_01_01, 2999_12_31  # claim 4, YYYYMMDD
_DIGEST_SIZE = 16
_MAX_NUMBER = 64  # characters of a document or certificate number


def _cbor(data: bytes, what: str) -> Any:
    """Decoded CBOR, or MalformedToken. cbor2's semantic tags (bignums, bigfloats, dates, decimals, regular
    expressions, sets...) raise many kinds on hostile input (OverflowError, decimal.Overflow, re.error,
    TypeError): any of them means the bytes are not a certledger token."""
    try:
        return cbor2.loads(data)
    except Exception as e:  # fails closed: nothing decoded, the token refused
        raise MalformedToken(f"{what} is not CBOR ({type(e).__name__})") from None


def _claim_int(claims: dict[Any, Any], key: int, low: int, high: int) -> int:
    value = claims.get(key)
    # Only a CBOR integer (not a bool, a float such as inf, a bigfloat or a decimal), and only in range.
    if type(value) is not int or not low <= value <= high:
        raise MalformedToken(f"token claim {key} is not an integer from {low} to {high}")
    return value


def _claim_text(claims: dict[Any, Any], key: int) -> str:
    value = claims.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_NUMBER:
        raise MalformedToken(f"token claim {key} is not a number of 1 to {_MAX_NUMBER} characters")
    return value


@dataclass(frozen=True)
class SignedToken:
    """A parsed (not yet verified) token."""

    kid: str
    claims: TokenClaims
    raw: bytes  # the COSE_Sign1 structure
    protected: bytes  # the protected header as signed (a CBOR map in a byte string)
    alg: object  # the protected header's algorithm (ES256 is -7)
    payload: bytes  # the signed payload as it travels (the claims' CBOR)
    signature: bytes
    text: str = ""  # base32 without padding, as printed; derived from raw when not given

    def __post_init__(self) -> None:
        if not self.text:
            object.__setattr__(self, "text", base64.b32encode(self.raw).decode("ascii").rstrip("="))


_B32_TEXT = re.compile(r"[A-Z2-7]+")
_B32_AS_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV")


def _base32_bytes(text: str) -> bytes:
    """RFC 4648 base32 without padding, in its canonical form only (unused trailing bits zero).

    The standard library's decoder is pure Python and cost a sixth of a whole verification; read as
    one base-32 number, int() does the same work in C.
    """
    if not _B32_TEXT.fullmatch(text):
        raise MalformedToken("token is not base32 text")
    size, spare = divmod(len(text) * 5, 8)
    if spare >= 5:  # 1, 3 or 6 characters past a group of 8: no whole byte ends there
        raise MalformedToken("token is not base32 text (a length no byte string has)")
    value = int(text.translate(_B32_AS_DIGITS), 32)
    if value & ((1 << spare) - 1):
        raise MalformedToken("token is not canonical base32 (its unused last bits are set)")
    return (value >> spare).to_bytes(size, "big")


def holder_digest(document_number: str, holder_name: str, id_number: str) -> bytes:
    """16 bytes binding the holder to the document; a verifier with the ID card in hand can recompute it."""
    h = hashlib.sha256(_DIGEST_CONTEXT)
    for part in (document_number, holder_name, id_number.upper()):
        h.update(b"\x00" + part.encode("utf-8"))
    return h.digest()[:16]


class TokenSigner:
    """Signs tokens with one loaded office key (kept loaded for a batch)."""

    def __init__(self, private_key: EllipticCurvePrivateKey, kid: str) -> None:
        self.kid = kid
        pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        self._key = COSEKey.from_pem(pem, alg="ES256", kid=bytes.fromhex(kid))
        self._cose = COSE.new(alg_auto_inclusion=True, kid_auto_inclusion=True)

    def sign(self, claims: TokenClaims) -> SignedToken:
        return _read_sign1(self._cose.encode_and_sign(claims.to_cbor(), self._key))


class TokenVerifier:
    """Checks a token's ES256 signature with the public key its key id names in the trust list."""

    def verify(self, token: SignedToken, public_key: EllipticCurvePublicKey) -> TokenClaims:
        if token.alg != _ES256:
            raise TokenInvalid(f"token algorithm {token.alg!r} is not ES256 (-7)")
        if not isinstance(public_key.curve, SECP256R1) or len(token.signature) != 64:
            raise TokenInvalid(f"token signature is no ES256 signature with key {token.kid}")
        # The signature is r and s, 32 bytes each (RFC 9053 section 2.1); cryptography reads DER.
        der = encode_dss_signature(int.from_bytes(token.signature[:32], "big"),
                                   int.from_bytes(token.signature[32:], "big"))
        to_be_signed = cbor2.dumps(["Signature1", token.protected, b"", token.payload])
        try:
            public_key.verify(der, to_be_signed, _ES256_CHECK)
        except InvalidSignature:
            raise TokenInvalid(f"token signature does not verify with key {token.kid}") from None
        return token.claims  # read from the very payload bytes just verified


def token_url(base_url: str, token: SignedToken) -> str:
    """The URL the QR code carries: upper case, so the QR code can use the alphanumeric mode."""
    return base_url.rstrip("/").upper() + _PATH + token.text


def parse_token(text: str) -> SignedToken:
    """A token from a scanned URL or its base32 text; checks structure, not the signature."""
    candidate = text.strip()
    if _PATH in candidate.upper():
        candidate = candidate[candidate.upper().rindex(_PATH) + len(_PATH):]
    candidate = candidate.split("?", 1)[0].upper()
    if not candidate or len(candidate) > 1024:
        raise MalformedToken("token is empty or too long")
    return _read_sign1(_base32_bytes(candidate), candidate)


def _read_sign1(raw: bytes, text: str = "") -> SignedToken:
    obj = _cbor(raw, "token")
    value = obj.value if isinstance(obj, cbor2.CBORTag) and obj.tag == _COSE_SIGN1_TAG else obj
    if not (isinstance(value, list) and len(value) == 4 and isinstance(value[0], bytes)
            and isinstance(value[2], bytes) and isinstance(value[3], bytes)):
        raise MalformedToken("token is not a COSE_Sign1 structure")
    protected = _cbor(value[0], "token's protected header") if value[0] else {}
    if not isinstance(protected, dict):
        raise MalformedToken("token's protected header is not a map")
    headers = {**(value[1] if isinstance(value[1], dict) else {}), **protected}
    kid = headers.get(_KID_HEADER)
    if not isinstance(kid, bytes) or not kid:
        raise MalformedToken("token names no key id")
    return SignedToken(kid.hex(), TokenClaims.from_cbor(value[2]), raw, value[0], protected.get(_ALG_HEADER),
                       value[2], value[3], text)
