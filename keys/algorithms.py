"""Signature algorithms, looked up by the name a key records.

The algorithm is a property of the key (the ledger's SigningKey.algorithm), so another
one (SM2 with SM3) can be registered beside ES256 without touching the callers.
Only ECDSA P-256 for now: on this machine it verifies faster than Ed25519, and
poppler's pdfsig rejects Ed25519 PDF signatures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import ClassVar, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from keys.errors import InvalidKeyInput

# The digests cryptography's certificate builder takes (a subset, for the curves we use).
X509Hash = hashes.SHA256 | hashes.SHA384 | hashes.SHA512


class SignatureAlgorithm(Protocol):
    """What the store, the trust list and the signers need to know about an algorithm."""

    @property
    def name(self) -> str: ...  # JWS "alg" and the ledger's SigningKey.algorithm

    @property
    def cose_alg(self) -> int: ...  # COSE algorithm identifier (RFC 9053)

    @property
    def x509_hash(self) -> X509Hash: ...  # digest for certificates this key issues

    def generate(self) -> CertificateIssuerPrivateKeyTypes: ...

    def sign(self, private_key: CertificateIssuerPrivateKeyTypes, data: bytes) -> bytes: ...

    def verify(self, public_key: PublicKeyTypes, data: bytes, signature: bytes) -> bool: ...

    def matches(self, public_key: PublicKeyTypes) -> bool: ...


@dataclass(frozen=True)
class _ES256:
    """ECDSA on P-256 with SHA-256; signatures are raw r||s (64 bytes), as JWS and COSE carry them."""

    name: str = "ES256"
    cose_alg: int = -7
    _size: ClassVar[int] = 32  # bytes of r and of s

    @property
    def x509_hash(self) -> X509Hash:
        return hashes.SHA256()

    def generate(self) -> ec.EllipticCurvePrivateKey:
        """A fresh P-256 private key."""
        return ec.generate_private_key(ec.SECP256R1())

    def sign(self, private_key: CertificateIssuerPrivateKeyTypes, data: bytes) -> bytes:
        """Sign `data`; returns r||s, 64 bytes."""
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(private_key.curve, ec.SECP256R1):
            raise InvalidKeyInput(f"{self.name} needs a P-256 private key")
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(self._size, "big") + s.to_bytes(self._size, "big")

    def verify(self, public_key: PublicKeyTypes, data: bytes, signature: bytes) -> bool:
        """True only if `signature` (r||s) is this key's signature over `data`."""
        if not self.matches(public_key) or len(signature) != 2 * self._size:
            return False
        assert isinstance(public_key, ec.EllipticCurvePublicKey)  # narrowed by matches()
        r = int.from_bytes(signature[: self._size], "big")
        s = int.from_bytes(signature[self._size :], "big")
        try:
            public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    def matches(self, public_key: PublicKeyTypes) -> bool:
        """Whether `public_key` is a key of this algorithm (P-256)."""
        return isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1)


ES256: SignatureAlgorithm = _ES256()

ALGORITHMS: dict[str, SignatureAlgorithm] = {ES256.name: ES256}


def algorithm(name: str) -> SignatureAlgorithm:
    """The registered algorithm called `name`, or InvalidKeyInput naming the known ones."""
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise InvalidKeyInput(f"unknown signature algorithm {name!r}; known: {', '.join(sorted(ALGORITHMS))}") from None


def algorithm_of(public_key: PublicKeyTypes) -> SignatureAlgorithm:
    """The registered algorithm a public key belongs to."""
    for candidate in ALGORITHMS.values():
        if candidate.matches(public_key):
            return candidate
    raise InvalidKeyInput(f"no registered signature algorithm uses a {type(public_key).__name__}")


def key_id(public_key: PublicKeyTypes) -> str:
    """The kid: first 8 bytes of SHA-256 over the SubjectPublicKeyInfo DER, as 16 lowercase hex chars."""
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()[:8].hex()
