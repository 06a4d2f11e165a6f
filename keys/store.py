"""A directory of keys: the deployment's root CA and the offices' signing keys.

Layout (the directory is 0700):

    root.key.pem        the root's private key, sealed with its passphrase (keys.sealed: scrypt, AES-256-GCM), 0600
    root.cert.pem       the self-signed root certificate
    <kid>.key.pem       an office key, sealed with its own passphrase, 0600
    <kid>.cert.pem      its end-entity certificate, issued by the root

Files written before keys.sealed (PKCS#8 with PBKDF2 at 2,048 iterations) still open, with a
LegacyKeyFile warning; keys.rewrap seals them anew in place.

Nothing is ever overwritten (only keys.rewrap replaces a key file, atomically, by the same key),
and nothing here logs or prints key material. The ledger records which key may sign when
(ledger.domain.SigningKey); this module only makes and keeps the keys.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PublicKeyTypes

from keys.algorithms import ES256, algorithm_of, key_id
from keys.algorithms import algorithm as lookup_algorithm
from keys.certificates import office_certificate, office_of, pem, public_pem, root_certificate, spki
from keys.errors import (
    InvalidKeyInput,
    KeyExists,
    KeyFileDamaged,
    KeyNotFound,
)
from keys.files import PRIVATE_MODE, ensure_private_directory, read_certificate, read_private_bytes, write_new
from keys.sealed import (
    DEFAULT_LOG2_N,
    ScryptParams,
    check_passphrase_strength,
    is_legacy,
    open_private_key,
    seal_private_key,
)

ROOT_KEY_FILE = "root.key.pem"
ROOT_CERT_FILE = "root.cert.pem"
_KID = re.compile(r"[0-9a-f]{16}")
# A PEM block's label (RFC 7468): an encrypted PKCS#8 key is labelled "ENCRYPTED PRIVATE KEY".


class LegacyKeyFile(UserWarning):
    """A key file in the old PKCS#8 format was opened: `certledger keys rewrap` seals it with scrypt."""
_ISSUER_KEY_TYPES = get_args(CertificateIssuerPrivateKeyTypes)


@dataclass(frozen=True)
class RootInfo:
    """The deployment's root certificate, as verifiers pin it."""

    subject: str
    fingerprint_sha256: str  # of the certificate DER, lowercase hex
    certificate_pem: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class LoadedRoot:
    """The root's decrypted private key and certificate: what issues office certificates and trust lists."""

    private_key: CertificateIssuerPrivateKeyTypes = field(repr=False)
    certificate: x509.Certificate

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass(frozen=True)
class OfficeKey:
    """A new office key's public half: exactly what the ledger's SigningKey.register records."""

    kid: str
    office: str
    algorithm: str
    public_key_pem: str
    certificate_pem: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class LoadedKey:
    """An office key decrypted once and kept in memory, so a batch signs without re-reading files."""

    kid: str
    office: str
    algorithm: str
    private_key: CertificateIssuerPrivateKeyTypes = field(repr=False)
    certificate: x509.Certificate
    root_certificate: x509.Certificate

    def sign(self, data: bytes) -> bytes:
        """Sign `data` with this key's algorithm (raw signature, as JWS/COSE carry it)."""
        return lookup_algorithm(self.algorithm).sign(self.private_key, data)

    @property
    def public_key(self) -> PublicKeyTypes:
        return self.private_key.public_key()

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def root_certificate_der(self) -> bytes:
        return self.root_certificate.public_bytes(serialization.Encoding.DER)


class KeyStore:
    """The key directory: create the root, generate office keys, load them for signing."""

    def __init__(self, directory: Path, kdf_cost: int = DEFAULT_LOG2_N) -> None:
        self.directory = Path(directory)
        self._kdf = ScryptParams.of_cost(kdf_cost)  # log2 of scrypt's N for the files this store writes

    @property
    def kdf(self) -> ScryptParams:
        """The scrypt parameters of the files this store writes."""
        return self._kdf

    # -- the root -------------------------------------------------------------------------

    def init_root(self, passphrase: str, name: str, *, now: datetime, years: int = 20) -> RootInfo:
        """Create the self-signed root CA (P-256); refuses if the store already has a root."""
        _require_passphrase("root passphrase", passphrase)
        check_passphrase_strength(passphrase, "root passphrase")
        name = _name_part("name", name)
        if years < 1:
            raise InvalidKeyInput("years: the root must be valid for at least one year")
        not_before = _utc_seconds("now", now)
        not_after = _add_years(not_before, years)
        self._ensure_directory()
        for file in (ROOT_KEY_FILE, ROOT_CERT_FILE):
            if (self.directory / file).exists():
                raise KeyExists(f"{self.directory} already has a root ({file}); a root is never replaced")

        private_key = ES256.generate()
        certificate = root_certificate(private_key, name, not_before, not_after, ES256.x509_hash)
        self._write_private(ROOT_KEY_FILE, private_key, passphrase)
        try:
            self._write_new(ROOT_CERT_FILE, pem(certificate).encode("ascii"), 0o644)
        except BaseException:
            (self.directory / ROOT_KEY_FILE).unlink(missing_ok=True)
            raise
        return _root_info(certificate)

    def load_root(self, passphrase: str) -> LoadedRoot:
        """Decrypt the root key (checks the file mode and that it matches the root certificate)."""
        _require_passphrase("root passphrase", passphrase)
        certificate = self._root_certificate()
        private_key = self._read_private(ROOT_KEY_FILE, passphrase, "the root key")
        _require_pair(private_key, certificate, "the root key")
        return LoadedRoot(private_key=private_key, certificate=certificate)

    def root_certificate_pem(self) -> str:
        """The root certificate, PEM: what verifiers pin."""
        return pem(self._root_certificate())

    def root_info(self) -> RootInfo:
        """Subject, fingerprint and validity of the root certificate."""
        return _root_info(self._root_certificate())

    # -- office keys ----------------------------------------------------------------------

    def generate_office_key(self, office: str, office_name: str, root_passphrase: str, key_passphrase: str, *,
                            not_before: datetime, not_after: datetime, algorithm: str = "ES256") -> OfficeKey:
        """A new office key pair and its certificate from the root, valid exactly for [not_before, not_after)."""
        _require_passphrase("key passphrase", key_passphrase)
        check_passphrase_strength(key_passphrase, "key passphrase")
        office = _name_part("office", office)
        office_name = _name_part("office_name", office_name)
        scheme = lookup_algorithm(algorithm)
        start = _utc_seconds("not_before", not_before)
        end = _utc_seconds("not_after", not_after)
        if end <= start:
            raise InvalidKeyInput("not_after: must be after not_before")
        root = self.load_root(root_passphrase)
        root_start, root_end = root.certificate.not_valid_before_utc, root.certificate.not_valid_after_utc
        # A certificate outside its issuer's validity would fail path validation in PDF readers.
        if start < root_start or end > root_end:
            raise InvalidKeyInput(f"the key window {start.isoformat()} - {end.isoformat()} must lie within the root's "
                                  f"validity {root_start.isoformat()} - {root_end.isoformat()}")

        self._ensure_directory()
        private_key = scheme.generate()
        public_key = private_key.public_key()
        kid = key_id(public_key)
        certificate = office_certificate(root.private_key, root.certificate, public_key, office, office_name,
                                         start, end, scheme.x509_hash)
        self._write_private(f"{kid}.key.pem", private_key, key_passphrase)
        try:
            self._write_new(f"{kid}.cert.pem", pem(certificate).encode("ascii"), 0o644)
        except BaseException:
            (self.directory / f"{kid}.key.pem").unlink(missing_ok=True)
            raise
        return _office_key(kid, certificate)

    def load_signer(self, kid: str, passphrase: str) -> LoadedKey:
        """Decrypt an office key for signing, with its certificate and the root certificate."""
        _require_passphrase("key passphrase", passphrase)
        certificate = self._certificate(kid)
        root = self._root_certificate()
        private_key = self._read_private(f"{kid}.key.pem", passphrase, f"signing key {kid}")
        _require_pair(private_key, certificate, f"signing key {kid}")
        if key_id(private_key.public_key()) != kid:
            raise KeyFileDamaged(f"signing key {kid}: the key file holds a different key (kid mismatch)")
        try:
            certificate.verify_directly_issued_by(root)
        except Exception:  # ValueError, TypeError or InvalidSignature: all mean "not from this root"
            raise KeyFileDamaged(f"signing key {kid}: its certificate was not issued by this store's root") from None
        office = office_of(certificate)
        return LoadedKey(kid=kid, office=office, algorithm=algorithm_of(private_key.public_key()).name,
                         private_key=private_key, certificate=certificate, root_certificate=root)

    def office_key(self, kid: str) -> OfficeKey:
        """The public half of a stored office key (to register it again), read without a passphrase."""
        return _office_key(kid, self._certificate(kid))

    def certificate_pem(self, kid: str) -> str:
        """The office key's certificate, PEM."""
        return pem(self._certificate(kid))

    def list_kids(self) -> list[str]:
        """The kids of the office keys in the store, sorted."""
        if not self.directory.is_dir():
            return []
        names = (p.name.removesuffix(".key.pem") for p in self.directory.glob("*.key.pem"))
        # A key without its certificate is pending (keys.enrol): requested, not yet certified.
        return sorted(n for n in names if _KID.fullmatch(n) and (self.directory / f"{n}.cert.pem").exists())

    # -- files ----------------------------------------------------------------------------

    def _ensure_directory(self) -> None:
        ensure_private_directory(self.directory)

    def _write_new(self, name: str, data: bytes, mode: int) -> None:
        write_new(self.directory / name, data, mode)

    def _write_private(self, name: str, private_key: CertificateIssuerPrivateKeyTypes, passphrase: str, *,
                       field: str | None = None) -> None:
        """A new private key file, sealed (keys.sealed); its passphrase must be strong enough."""
        check_passphrase_strength(passphrase, field or f"passphrase for {name}")
        self._write_new(name, seal_private_key(private_key, passphrase, self._kdf), PRIVATE_MODE)

    def _read_private(self, name: str, passphrase: str, what: str,
                      kinds: tuple[type, ...] | None = None) -> CertificateIssuerPrivateKeyTypes:
        """Decrypt a private key file; `kinds` (e.g. Ed25519 note keys) replaces the registered-algorithm check."""
        path = self.directory / name
        data = read_private_bytes(path, what)
        private_key = open_private_key(data, passphrase, what)
        if is_legacy(data):
            warnings.warn(f"{what}: {path} is in the old PKCS#8 format (PBKDF2 at 2,048 iterations); seal it with "
                          "scrypt: certledger keys rewrap", LegacyKeyFile, stacklevel=2)
        return _usable(private_key, kinds, f"{what}: {path}")

    def _read_certificate(self, name: str, what: str) -> x509.Certificate:
        return read_certificate(self.directory / name, what)

    def _root_certificate(self) -> x509.Certificate:
        if not (self.directory / ROOT_CERT_FILE).exists():
            raise KeyNotFound(f"the key store {self.directory} has no root yet")
        return self._read_certificate(ROOT_CERT_FILE, "the root")

    def _certificate(self, kid: str) -> x509.Certificate:
        # The kid becomes a file name: only the 16-hex-digit form can, so no path escapes the store.
        if not isinstance(kid, str) or not _KID.fullmatch(kid):
            raise KeyNotFound(f"no signing key {kid!r}: a kid is 16 lowercase hex digits")
        if not (self.directory / f"{kid}.key.pem").exists():
            raise KeyNotFound(f"no signing key {kid} in {self.directory}")
        return self._read_certificate(f"{kid}.cert.pem", f"signing key {kid}")


# -- helpers ------------------------------------------------------------------------------


def _usable(private_key: object, kinds: tuple[type, ...] | None, what: str) -> CertificateIssuerPrivateKeyTypes:
    """The key, if it is of `kinds` (when given) or of a registered algorithm."""
    if kinds is not None:
        if not isinstance(private_key, kinds):
            raise KeyFileDamaged(f"{what} holds another kind of key")
    else:
        try:
            algorithm_of(private_key.public_key())  # type: ignore[attr-defined]
        except InvalidKeyInput:
            raise KeyFileDamaged(f"{what} holds a key of no registered algorithm") from None
    if not isinstance(private_key, _ISSUER_KEY_TYPES):  # every registered algorithm's key is one
        raise KeyFileDamaged(f"{what} holds a key that cannot sign certificates")
    return private_key


def _require_passphrase(what: str, passphrase: str) -> None:
    if not isinstance(passphrase, str) or not passphrase:
        raise InvalidKeyInput(f"{what}: required; an empty passphrase is refused")


def _name_part(what: str, value: str) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(value) <= 64:  # X.520 upper bound for CN and OU
        raise InvalidKeyInput(f"{what}: 1-64 characters")
    return value


def _utc_seconds(what: str, value: datetime) -> datetime:
    # X.509 times have whole seconds; truncating here keeps the ledger's window and the
    # certificate's validity identical.
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidKeyInput(f"{what}: a timezone-aware datetime is required")
    return value.astimezone(UTC).replace(microsecond=0)


utc_seconds = _utc_seconds


def _add_years(value: datetime, years: int) -> datetime:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February into a common year
        return value.replace(year=value.year + years, day=28)


def _require_pair(private_key: CertificateIssuerPrivateKeyTypes, certificate: x509.Certificate, what: str) -> None:
    if spki(private_key.public_key()) != spki(certificate.public_key()):
        raise KeyFileDamaged(f"{what}: the key file and its certificate hold different keys")


def _office_key(kid: str, certificate: x509.Certificate) -> OfficeKey:
    public_key = certificate.public_key()
    return OfficeKey(kid=kid, office=office_of(certificate), algorithm=algorithm_of(public_key).name,
                     public_key_pem=public_pem(public_key), certificate_pem=pem(certificate),
                     not_before=certificate.not_valid_before_utc, not_after=certificate.not_valid_after_utc)


def _root_info(certificate: x509.Certificate) -> RootInfo:
    der = certificate.public_bytes(serialization.Encoding.DER)
    return RootInfo(subject=certificate.subject.rfc4514_string(), fingerprint_sha256=hashlib.sha256(der).hexdigest(),
                    certificate_pem=pem(certificate), not_before=certificate.not_valid_before_utc,
                    not_after=certificate.not_valid_after_utc)
