"""Operator credentials: an Ed25519 key encrypted with the operator's passphrase, and an X.509
certificate issued by the office's current signing key naming the operator (CN) and office (OU).

Layout of the credential directory (default `<home>/credentials`, 0700; files never overwritten):

    <id16>.key.pem     the private key, encrypted with the operator's passphrase, 0600
    <id16>.cert.pem    its certificate, issued by the office key, 0600

`id16` is the first 16 hex digits of the credential id (the SHA-256 of the certificate DER): file
names never carry an operator's (Chinese) name. Also here: `SaveVerifier`, what the ledger's audit
is given to check credential certificates and save signatures (ledger imports nothing of keys).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from keys.certificates import COUNTRY, ORGANIZATION, office_of, pem
from keys.errors import InvalidKeyInput, KeyFileDamaged
from keys.files import PRIVATE_MODE, ensure_private_directory, read_private_bytes, write_new
from keys.store import LoadedKey
from keys.trust_audit import recorded_list_problem

if TYPE_CHECKING:
    from keys.rewrap import Rewrapped
    from ledger.views import SigningKeyView



def _seal(private_key: Ed25519PrivateKey, passphrase: str, kdf_cost: int) -> bytes:
    """The one place a credential key is encrypted: the key files' format (keys.sealed: scrypt, AES-256-GCM),
    with the passphrase rule every new key file meets."""
    from keys.sealed import ScryptParams, check_passphrase_strength, seal_private_key

    check_passphrase_strength(passphrase, "operator passphrase")
    return seal_private_key(private_key, passphrase, ScryptParams.of_cost(kdf_cost))  # type: ignore[arg-type]


def _open(data: bytes, passphrase: str, what: str) -> Ed25519PrivateKey:
    """The one place a credential key is decrypted (see _seal); PKCS#8 files from before still open."""
    from keys.sealed import open_private_key

    key = open_private_key(data, passphrase, what)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileDamaged(f"{what}: the key file holds no Ed25519 key")
    return key


def credential_id(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def _operator_of(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        raise KeyFileDamaged("a credential certificate without a CN (operator)")
    value = names[0].value
    return value if isinstance(value, str) else value.decode("utf-8")


@dataclass(frozen=True)
class HeldCredential:
    """A credential in the directory, as its certificate states it (no passphrase needed)."""

    credential: str
    operator: str
    office: str
    issuer_kid: str
    certificate_pem: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class LoadedCredential:
    """A decrypted credential: the ledger's SaveSigner."""

    held: HeldCredential
    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def credential(self) -> str:
        return self.held.credential

    @property
    def operator(self) -> str:
        return self.held.operator

    @property
    def office(self) -> str:
        return self.held.office

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def _held(certificate: x509.Certificate) -> HeldCredential:
    aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    kid = (aki.key_identifier or b"").hex()[:16]
    return HeldCredential(credential_id(certificate), _operator_of(certificate), office_of(certificate), kid,
                          pem(certificate), certificate.not_valid_before_utc, certificate.not_valid_after_utc)


def credential_certificate(office_key: LoadedKey, public_key: Ed25519PublicKey, operator: str, start: datetime,
                           end: datetime) -> x509.Certificate:
    """The operator's certificate, issued by the office key (its AKI carries the office key's kid)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
                         x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, office_key.office),
                         x509.NameAttribute(NameOID.COMMON_NAME, operator)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(office_key.certificate.subject)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier(bytes.fromhex(office_key.kid), None, None), critical=False)
            .sign(office_key.private_key, office_key.certificate.signature_hash_algorithm))  # type: ignore[arg-type]


class CredentialStore:
    """The operator credentials a user holds."""

    def __init__(self, directory: Path, kdf_cost: int = 17) -> None:
        self.directory = Path(directory)
        self.kdf_cost = kdf_cost  # log2 of scrypt's N for new credential files (keys.sealed)

    def issue(self, office_key: LoadedKey, operator: str, passphrase: str, *, now: datetime,
              days: int = 730) -> HeldCredential:
        """A new credential for `operator` of the key's office, valid from now within the key's validity."""
        operator = operator.strip() if isinstance(operator, str) else ""
        if not 1 <= len(operator) <= 50:
            raise InvalidKeyInput("operator: 1-50 characters")
        if not isinstance(passphrase, str) or not passphrase:
            raise InvalidKeyInput("operator passphrase: required; an empty passphrase is refused")
        start = now.replace(microsecond=0)
        end = min(start + timedelta(days=days), office_key.certificate.not_valid_after_utc)
        if end <= start:
            raise InvalidKeyInput(f"the office key {office_key.kid} is no longer valid: it cannot issue credentials")
        private_key = Ed25519PrivateKey.generate()
        certificate = credential_certificate(office_key, private_key.public_key(), operator, start, end)
        held = _held(certificate)
        name = held.credential[:16]
        ensure_private_directory(self.directory)  # keys.files: O_EXCL, 0600, never-overwrite writes
        write_new(self.directory / f"{name}.key.pem", _seal(private_key, passphrase, self.kdf_cost), PRIVATE_MODE)
        try:
            write_new(self.directory / f"{name}.cert.pem", held.certificate_pem.encode("ascii"), PRIVATE_MODE)
        except BaseException:
            (self.directory / f"{name}.key.pem").unlink(missing_ok=True)
            raise
        return held

    def held(self) -> list[HeldCredential]:
        """Every credential in the directory, by office and operator."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.cert.pem")):
            if (self.directory / path.name.replace(".cert.pem", ".key.pem")).is_file():
                try:
                    found.append(_held(x509.load_pem_x509_certificate(path.read_bytes())))
                except (ValueError, x509.ExtensionNotFound, KeyFileDamaged):
                    continue  # not a credential certificate: ignored, never used
        return sorted(found, key=lambda h: (h.office, h.operator, h.not_before))

    def key_path(self, held: HeldCredential) -> Path:
        """Where a held credential's sealed key file is."""
        return self.directory / f"{held.credential[:16]}.key.pem"

    def load(self, held: HeldCredential, passphrase: str) -> LoadedCredential:
        """Decrypt a held credential for signing saves; refuses a key file that does not match its certificate."""
        what = f"the credential of {held.operator} @ {held.office}"
        data = read_private_bytes(self.key_path(held), what)
        key = _open(data, passphrase, what)
        certificate = x509.load_pem_x509_certificate(held.certificate_pem.encode("ascii"))
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        if key.public_key().public_bytes(*raw) != certificate.public_key().public_bytes(*raw):
            raise KeyFileDamaged(f"{what}: the key file and its certificate hold different keys")
        return LoadedCredential(held, key)


def change_passphrase(store: CredentialStore, held: HeldCredential, old: str, new: str) -> Rewrapped:
    """Seal a held credential's key file under `new` (keys.rewrap: atomic, the same key proved before the
    rename); a wrong `old` or a `new` below the passphrase rule leaves the file exactly as it was."""
    from keys.rewrap import rewrap
    from keys.store import KeyStore

    if new == old:
        raise InvalidKeyInput("new passphrase: must differ from the present one")
    return rewrap(KeyStore(store.directory, kdf_cost=store.kdf_cost), f"{held.credential[:16]}.key.pem", old, new)


class SaveVerifier:
    """What the audit is given (ledger.audit_saves.CredentialChecks): certificates and signatures checked
    here, each certificate parsed once."""

    def __init__(self, root_certificate_pem: bytes | str) -> None:
        data = root_certificate_pem.encode("ascii") if isinstance(root_certificate_pem, str) else root_certificate_pem
        self._root = x509.load_pem_x509_certificate(data)
        self._root_pem = data

    @staticmethod
    @lru_cache(maxsize=4096)
    def _certificate(certificate_pem: str) -> x509.Certificate | None:
        try:
            return x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            return None

    def describe(self, certificate_pem: str) -> tuple[str, str, str, datetime, datetime] | None:
        """(credential id, operator, office, not before, not after) of a credential certificate, or None."""
        c = self._certificate(certificate_pem)
        if c is None:
            return None
        try:
            return credential_id(c), _operator_of(c), office_of(c), c.not_valid_before_utc, c.not_valid_after_utc
        except KeyFileDamaged:
            return None

    def issued_by(self, certificate_pem: str, issuer_pem: str | None = None) -> bool:
        """Did `issuer_pem` (default: the pinned root) sign this certificate?"""
        c = self._certificate(certificate_pem)
        issuer = self._root if issuer_pem is None else self._certificate(issuer_pem)
        if c is None or issuer is None:
            return False
        try:
            c.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True

    def trust_list_problem(self, jws: str, keys: Sequence[SigningKeyView]) -> str | None:
        """A recorded trust list: signed through the publisher by the pinned root, stating exactly `keys`."""
        return recorded_list_problem(jws, keys, self._root_pem)

    def verifies(self, certificate_pem: str, message: bytes, signature: bytes) -> bool:
        """An Ed25519 signature by the certificate's key, checked with libsodium (PyNaCl): about twice as fast
        as OpenSSL's here, and the audit checks one per save."""
        raw = _raw_ed25519(certificate_pem)
        if raw is None or len(signature) != 64:
            return False
        try:
            crypto_sign_open(signature + message, raw)
        except BadSignatureError:
            return False
        return True


@lru_cache(maxsize=4096)
def _raw_ed25519(certificate_pem: str) -> bytes | None:
    try:
        key = x509.load_pem_x509_certificate(certificate_pem.encode("ascii")).public_key()
    except (ValueError, UnicodeEncodeError):
        return None
    if not isinstance(key, Ed25519PublicKey):
        return None
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
