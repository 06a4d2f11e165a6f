"""The signed trust list the deployment publishes and verifiers load.

A compact JWS (ES256) over a JSON payload listing every signing key with its window,
retirement and compromise as the ledger records them. It is signed by the publisher: a key
the root certified for that one role (keys.roles), whose certificate the header carries
(x5c: the publisher's, then the root's). A verifier pins the root certificate out of band and
trusts nothing the list says about its own signer: the publisher's certificate must be issued
by the pinned root, be of the publisher role and be valid when the list was issued, and every
listed key's certificate must be an office certificate of the pinned root naming the entry's
office. So a publisher can restate keys' status but cannot add a key or move one to another
office, and an office key does not verify as a publisher.

Lists signed by the root itself (x5c: the pinned root alone, or no x5c; every list before
the publisher existed) are still accepted: the root could certify any publisher, so its own
signature admits nothing more, and old trust-list files and audit bundles keep verifying.
New lists are signed by the publisher only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from keys.algorithms import ALGORITHMS, algorithm_of, key_id
from keys.certificates import spki
from keys.errors import InvalidKeyInput, TrustListMalformed, TrustListUnverified
from keys.revocation import PublisherRevoked, load_crl
from keys.roles import LoadedPublisher, office_problem, publisher_problem
from keys.store import LoadedRoot

if TYPE_CHECKING:  # a verifier loading a list needs nothing from the ledger at run time
    from ledger.views import SigningKeyView

TRUST_LIST_TYPE = "certledger-trust-list+jws"
VERSION = 1


@dataclass(frozen=True)
class TrustedKey:
    """A signing key as a verified trust list publishes it."""

    kid: str
    office: str
    algorithm: str
    public_key: PublicKeyTypes
    certificate_pem: str
    not_before: datetime
    not_after: datetime
    retired_at: datetime | None
    compromised_at: datetime | None
    revocation_reason: str | None

    @property
    def status(self) -> str:
        from ledger.views import key_status

        return key_status(self.retired_at, self.compromised_at)

    def may_sign_at(self, at: datetime) -> tuple[bool, str]:
        """Whether a signature recorded at `at` is within this key's authority: the ledger's own rule."""
        from ledger.views import key_may_sign_at

        return key_may_sign_at(self.kid, self.not_before, self.not_after, self.retired_at, self.compromised_at,
                               self.revocation_reason, at)

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Whether `signature` is this key's signature over `data` (the window is a separate check)."""
        return ALGORITHMS[self.algorithm].verify(self.public_key, data, signature)


@dataclass(frozen=True)
class TrustList:
    """A trust list whose signature verified against the pinned root."""

    issuer: str
    issued_at: datetime
    root_certificate_pem: str
    keys: dict[str, TrustedKey]


def build_trust_list(keys: Sequence[SigningKeyView], signer: LoadedPublisher | LoadedRoot, *, issuer: str,
                     issued_at: datetime) -> bytes:
    """The compact JWS of a trust list of `keys` (ledger SigningKeyViews), signed by the publisher.

    A LoadedRoot still signs (the lists before the publisher existed; tests): verifiers accept both.
    """
    issuer = issuer.strip() if isinstance(issuer, str) else ""
    if not issuer:
        raise InvalidKeyInput("issuer: required")
    root_certificate, chain, signer_public, private_key = _signer_chain(signer)
    root_pem = root_certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    entries = _entries(keys, root_certificate)
    if not isinstance(issued_at, datetime) or issued_at.tzinfo is None:
        raise InvalidKeyInput("issued_at: a timezone-aware datetime is required")
    if isinstance(signer, LoadedPublisher) and (why := publisher_problem(signer.certificate, root_certificate,
                                                                         issued_at)) is not None:
        raise InvalidKeyInput(f"publisher: {why}")
    payload = {
        "version": VERSION,
        "issuer": issuer,
        "issued_at": _iso(issued_at),
        "root_certificate": root_pem,
        "keys": entries,
    }
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    token = jwt.api_jws.PyJWS().encode(
        body,
        private_key,
        algorithm=algorithm_of(signer_public).name,
        headers={"typ": TRUST_LIST_TYPE, "x5c": [base64.b64encode(der).decode("ascii") for der in chain]},
    )
    return token.encode("ascii")


def _signer_chain(signer: LoadedPublisher | LoadedRoot
                  ) -> tuple[x509.Certificate, list[bytes], PublicKeyTypes, ec.EllipticCurvePrivateKey]:
    """The root certificate, the x5c chain (DER), the signer's public key and its private key; refuses a
    private key that is not its certificate's, or not ES256."""
    if isinstance(signer, LoadedPublisher):
        root_certificate, chain, what = signer.root_certificate, signer.chain_der, "publisher"
        signer_public = signer.certificate.public_key()
    else:
        root_certificate, what = signer.certificate, "root"
        chain = [root_certificate.public_bytes(serialization.Encoding.DER)]
        signer_public = root_certificate.public_key()
    if spki(signer.private_key.public_key()) != spki(signer_public):
        raise InvalidKeyInput(f"{what}: the private key does not belong to its certificate")
    if not isinstance(signer.private_key, ec.EllipticCurvePrivateKey):  # what JWS ES256 signs with
        raise InvalidKeyInput(f"{what}: a trust list is signed by an ES256 (P-256) key only")
    return root_certificate, list(chain), signer_public, signer.private_key


def _entries(keys: Sequence[SigningKeyView], root_certificate: x509.Certificate) -> list[dict[str, Any]]:
    """The list's entries, by kid, each parsed as a verifier will parse it, so nothing a verifier rejects is
    published. The status is stated for human readers; verifiers check it against the dates."""
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for view in sorted(keys, key=lambda k: k.kid):
        if view.kid in seen:
            raise InvalidKeyInput(f"key {view.kid}: listed twice")
        seen.add(view.kid)
        try:
            entry = _entry(view)
            entry["status"] = _trusted_key(entry, root_certificate).status
        except _BadEntry as exc:
            raise InvalidKeyInput(f"key {view.kid}: {exc}") from None
        entries.append(entry)
    return entries


def load_trust_list(data: bytes | str, pinned_root_pem: bytes | str, crl: bytes | None = None) -> TrustList:
    """Verify a trust list against the pinned root certificate (through its publisher) and parse it.

    `crl` is the root's revocation list (keys.revocation): a list whose publisher it revokes is refused.
    """
    pinned = _pinned_root(pinned_root_pem)
    revocations = load_crl(crl, pinned) if crl is not None else None
    if not isinstance(pinned.public_key(), ec.EllipticCurvePublicKey):
        raise InvalidKeyInput("pinned root: not an ES256 (P-256) certificate")
    pinned_der = pinned.public_bytes(serialization.Encoding.DER)
    publisher: x509.Certificate | None = None
    alg = "ES256"
    try:
        token = (data.encode("ascii") if isinstance(data, str) else bytes(data)).strip()
        publisher = _signer_certificate(jwt.api_jws.PyJWS().get_unverified_header(token), pinned, pinned_der)
        if publisher is not None and revocations is not None and (why := revocations.problem(publisher)):
            raise PublisherRevoked(f"trust list publisher: {why}; the list is refused: the root's keeper certifies "
                                   "a new publisher key and a fresh list is published with it")
        signer_public = (publisher or pinned).public_key()
        if not isinstance(signer_public, ec.EllipticCurvePublicKey):
            raise TrustListUnverified("trust list signer: not an ES256 (P-256) key")
        alg = algorithm_of(signer_public).name
        decoded = jwt.api_jws.PyJWS().decode_complete(token, signer_public, algorithms=[alg])
    except UnicodeEncodeError:
        raise TrustListMalformed("trust list is not a compact JWS (non-ASCII characters)") from None
    except jwt.InvalidSignatureError:
        raise TrustListUnverified("trust list signature does not verify against the pinned root"
                                  + (" through its publisher certificate" if publisher else "")) from None
    except (jwt.InvalidAlgorithmError, jwt.InvalidKeyError):
        raise TrustListUnverified(f"trust list is not signed with {alg} by the pinned root or its publisher") from None
    except jwt.PyJWTError as exc:
        raise TrustListMalformed(f"trust list is not a compact JWS: {_one_line(exc)}") from None
    header: dict[str, Any] = decoded["header"]
    # From here on the bytes are the signer's own: what is wrong is a malformed list (or, checked
    # in _parse_payload, a payload that names another root).
    if header.get("typ") != TRUST_LIST_TYPE:
        raise TrustListMalformed(f"not a certledger trust list (typ {header.get('typ')!r})")
    try:
        payload = json.loads(decoded["payload"])
    except (ValueError, UnicodeDecodeError):
        raise TrustListMalformed("trust list payload is not JSON") from None
    try:
        trust = _parse_payload(payload, pinned, pinned_der)
    except _BadEntry as exc:
        raise TrustListMalformed(f"trust list: {exc}") from None
    if publisher is not None and (why := publisher_problem(publisher, pinned, trust.issued_at)) is not None:
        raise TrustListUnverified(f"trust list publisher: {why}")
    return trust


def publisher_certificate(data: bytes, pinned_root_pem: bytes) -> x509.Certificate | None:
    """The publisher certificate a trust list names (checked as a publisher's of the pinned root, the signature not
    checked), or None for a list the root signed itself: what the keeper's record must hold (keys.keeper_audit)."""
    pinned = _pinned_root(pinned_root_pem)
    header = jwt.api_jws.PyJWS().get_unverified_header(bytes(data).strip())
    return _signer_certificate(header, pinned, pinned.public_bytes(serialization.Encoding.DER))


def _signer_certificate(header: Any, pinned: x509.Certificate, pinned_der: bytes) -> x509.Certificate | None:
    """The publisher certificate the header names (x5c[0]), or None for a list the pinned root signed itself.

    Checked before the signature: a certificate that is not a publisher's of the pinned root is
    refused, whatever its key signed.
    """
    chain = header.get("x5c") if isinstance(header, dict) else None
    if chain is None:
        return None  # a root-signed list from before x5c was written
    try:
        ders = [base64.b64decode(item, validate=True) for item in chain] if isinstance(chain, list) else []
    except (ValueError, TypeError):
        ders = []
    if not 1 <= len(ders) <= 2:
        raise TrustListMalformed("trust list header x5c is not a chain of one or two base64 certificates")
    if ders == [pinned_der]:
        return None
    if len(ders) == 2 and ders[1] != pinned_der:
        raise TrustListUnverified("trust list signature does not verify against the pinned root: "
                                  "its x5c chain ends in another root")
    try:
        publisher = x509.load_der_x509_certificate(ders[0])
    except ValueError:
        raise TrustListMalformed("trust list header x5c[0] is not a DER certificate") from None
    why = publisher_problem(publisher, pinned, publisher.not_valid_before_utc)
    if why is not None:
        raise TrustListUnverified(f"trust list signature does not verify against the pinned root: signer: {why}")
    return publisher


# -- one entry: written from the ledger's view, read back into a TrustedKey ----------------
# The entry's names are the ledger's (SigningKeyView), but for the two PEM fields.
_TIMES = ("not_before", "not_after", "retired_at", "compromised_at")


def _entry(view: SigningKeyView) -> dict[str, Any]:
    return {"kid": view.kid, "office": view.office, "algorithm": view.algorithm, "public_key": view.public_key_pem,
            "certificate": view.certificate_pem, **{name: _iso(getattr(view, name)) for name in _TIMES},
            "revocation_reason": view.revocation_reason}


# -- parsing ------------------------------------------------------------------------------


class _BadEntry(Exception):
    """A field of the payload is missing or wrong; the message names it."""


def _parse_payload(payload: Any, pinned: x509.Certificate, pinned_der: bytes) -> TrustList:
    if not isinstance(payload, dict):
        raise _BadEntry("payload is not a JSON object")
    if payload.get("version") != VERSION:
        raise _BadEntry(f"unsupported version {payload.get('version')!r} (expected {VERSION})")
    issuer = _text(payload, "issuer")
    issued_at = _time(payload, "issued_at")
    root_pem = _text(payload, "root_certificate")
    try:
        listed_root = x509.load_pem_x509_certificate(root_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise _BadEntry("root_certificate is not a PEM certificate") from None
    if listed_root.public_bytes(serialization.Encoding.DER) != pinned_der:
        raise TrustListUnverified("trust list names a different root than the pinned one")
    entries = payload.get("keys")
    if not isinstance(entries, list):
        raise _BadEntry("keys is not a list")
    keys: dict[str, TrustedKey] = {}
    for index, entry in enumerate(entries):
        try:
            key = _trusted_key(entry, pinned)
        except _BadEntry as exc:
            name = entry.get("kid") if isinstance(entry, dict) and isinstance(entry.get("kid"), str) else f"#{index}"
            raise _BadEntry(f"key {name}: {exc}") from None
        if key.kid in keys:
            raise _BadEntry(f"key {key.kid}: listed twice")
        keys[key.kid] = key
    return TrustList(issuer=issuer, issued_at=issued_at, root_certificate_pem=root_pem, keys=keys)


def _trusted_key(entry: Any, root: x509.Certificate) -> TrustedKey:
    """One payload entry, checked for internal consistency: kid, key, certificate and root agree."""
    if not isinstance(entry, dict):
        raise _BadEntry("entry is not a JSON object")
    kid, name = _text(entry, "kid"), _text(entry, "algorithm")
    public_key = _public_key(entry, name)
    if key_id(public_key) != kid:
        raise _BadEntry("kid is not the hash of its public key")
    certificate_pem = _text(entry, "certificate")
    office = _text(entry, "office")
    certificate = _check_certificate(certificate_pem, public_key, root, office)
    not_before, not_after = _time(entry, "not_before"), _time(entry, "not_after")
    if not_after <= not_before:
        raise _BadEntry("not_after is not after not_before")
    if not_before < certificate.not_valid_before_utc or not_after > certificate.not_valid_after_utc:
        raise _BadEntry("the window lies outside its certificate's validity")
    compromised_at = _optional_time(entry, "compromised_at")
    reason = entry.get("revocation_reason")
    if reason is not None and not isinstance(reason, str):
        raise _BadEntry("revocation_reason is not a string")
    if compromised_at is not None and not reason:
        raise _BadEntry("a compromised key needs a revocation_reason")
    key = TrustedKey(kid=kid, office=office, algorithm=name, public_key=public_key,
                     certificate_pem=certificate_pem, not_before=not_before, not_after=not_after,
                     retired_at=_optional_time(entry, "retired_at"), compromised_at=compromised_at,
                     revocation_reason=reason)
    if "status" in entry and entry["status"] != key.status:
        raise _BadEntry(f"status {entry['status']!r} contradicts the dates ({key.status})")
    return key


def _public_key(entry: Mapping[str, Any], name: str) -> PublicKeyTypes:
    scheme = ALGORITHMS.get(name)
    if scheme is None:
        raise _BadEntry(f"unknown algorithm {name!r}")
    try:
        public_key = serialization.load_pem_public_key(_text(entry, "public_key").encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise _BadEntry("public_key is not a PEM public key") from None
    if not scheme.matches(public_key):
        raise _BadEntry(f"public_key is not an {name} key")
    return public_key


def _check_certificate(certificate_pem: str, public_key: PublicKeyTypes, root: x509.Certificate,
                       office: str) -> x509.Certificate:
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise _BadEntry("certificate is not a PEM certificate") from None
    if spki(certificate.public_key()) != spki(public_key):
        raise _BadEntry("certificate is for another key")
    why = office_problem(certificate, root, office)
    if why is not None:
        raise _BadEntry(why)
    return certificate


def _text(entry: Mapping[str, Any], name: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value:
        raise _BadEntry(f"{name} is missing or not a string")
    return value


def _optional_time(entry: Mapping[str, Any], name: str) -> datetime | None:
    return None if entry.get(name) is None else _time(entry, name)


def _time(entry: Mapping[str, Any], name: str) -> datetime:
    value = entry.get(name)
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    # Naive times would make every comparison with an aware signing time raise.
    if parsed is None or parsed.tzinfo is None:
        raise _BadEntry(f"{name} is not an ISO 8601 time with a UTC offset")
    return parsed


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise _BadEntry("a time is not timezone-aware")
    return value.astimezone(UTC).isoformat()


def _pinned_root(pem: bytes | str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii") if isinstance(pem, str) else pem)
    except (ValueError, UnicodeEncodeError):
        raise InvalidKeyInput("pinned root: not a PEM X.509 certificate") from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
