"""An office's side of certification: make a key and its request, then install the keeper's certificate.

Files in the office's key directory (beside those of keys.store):

    <kid>.key.pem, <kid>.csr.pem            an office key and its request; pending until
    <kid>.cert.pem                          the root's certificate for it is installed
    publisher-<kid>.key.pem / .csr.pem / .cert.pem     the same for the deployment's publisher key

Private keys are written and read by KeyStore._write_private / _read_private only (one place
for the key-file format). Installing checks everything a verifier will: the certificate chains
to the pinned root, is of the role its request asked for, names what the request named, and is
for a key this directory holds pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509

from keys.algorithms import key_id
from keys.certificates import office_of, pem, spki
from keys.errors import CertificateRefused, KeyExists, KeyNotFound
from keys.requests import KeyRequest, make_request, new_private_key, read_request
from keys.roles import OFFICE, PUBLISHER, LoadedPublisher, issued_by, publisher_problem, role_of
from keys.store import ROOT_CERT_FILE, KeyStore, OfficeKey, _name_part, _office_key, _require_pair, _require_passphrase

PUBLISHER_PREFIX = "publisher-"


@dataclass(frozen=True)
class Installed:
    role: str
    kid: str
    office: str | None
    office_key: OfficeKey | None  # an office key's public half, as the ledger records it
    root_pinned: bool  # this install pins the root certificate given with it
    certificate_pem: str
    root_pem: str


def request_key(store: KeyStore, passphrase: str, *, office: str | None, office_name: str = "",
                algorithm: str = "ES256") -> KeyRequest:
    """A new key (pending) and its request: an office's when `office` is given, else the publisher's."""
    _require_passphrase("publisher passphrase" if office is None else "key passphrase", passphrase)
    if office is not None:
        office, office_name = _name_part("office", office), _name_part("office_name", office_name)
    store._ensure_directory()
    private_key = new_private_key(algorithm)
    request = read_request(make_request(private_key, office, office_name))
    stem = _stem(request.role, request.kid)
    store._write_private(f"{stem}.key.pem", private_key, passphrase)
    try:
        store._write_new(f"{stem}.csr.pem", request.pem.encode("ascii"), 0o644)
    except BaseException:
        (store.directory / f"{stem}.key.pem").unlink(missing_ok=True)
        raise
    return request


def pending_requests(store: KeyStore) -> list[KeyRequest]:
    """The requests of this directory still waiting for their certificate, oldest file first."""
    if not store.directory.is_dir():
        return []
    found = []
    for path in sorted(store.directory.glob("*.csr.pem"), key=lambda p: p.stat().st_mtime_ns):
        if not path.with_name(path.name.replace(".csr.pem", ".cert.pem")).exists():
            found.append(read_request(path.read_bytes()))
    return found


def check_certificate(store: KeyStore, certificate_pem: bytes | str, *, now: datetime,
                      root_pem: bytes | None = None) -> Installed:
    """Check the keeper's certificate against the pinned root and a pending request; write nothing."""
    certificate = _one_certificate(certificate_pem, "certificate")
    root, pin = _pinned_root(store, root_pem)
    if not issued_by(certificate, root):
        raise CertificateRefused("certificate: not issued by the pinned root "
                                 f"({store.directory / ROOT_CERT_FILE}); only the root's keeper certifies keys")
    role = role_of(certificate)
    if role is None:
        raise CertificateRefused("certificate: neither an office signing nor a publisher certificate")
    if certificate.not_valid_after_utc <= now:
        raise CertificateRefused(f"certificate: expired at {certificate.not_valid_after_utc.isoformat()}")
    kid = key_id(certificate.public_key())
    request = _pending_request(store, _stem(role, kid), kid)
    if spki(request.public_key) != spki(certificate.public_key()) or request.role != role:
        raise CertificateRefused(f"certificate: does not match the pending request for key {kid}")
    office = office_of(certificate) if role == OFFICE else None
    if office != request.office:
        raise CertificateRefused(f"certificate: names office {office}, its request office {request.office}")
    if role == PUBLISHER and (why := publisher_problem(certificate, root, now)) is not None:
        raise CertificateRefused(f"publisher certificate: {why}")
    return Installed(role=role, kid=kid, office=office,
                     office_key=_office_key(kid, certificate) if role == OFFICE else None, root_pinned=pin,
                     certificate_pem=pem(certificate), root_pem=pem(root))


def keep(store: KeyStore, installed: Installed) -> list[Path]:
    """Write a checked certificate (and the root it pinned) into the key directory; the files written."""
    written = []
    if installed.root_pinned:
        store._write_new(ROOT_CERT_FILE, installed.root_pem.encode("ascii"), 0o644)
        written.append(store.directory / ROOT_CERT_FILE)
    name = f"{_stem(installed.role, installed.kid)}.cert.pem"
    try:
        store._write_new(name, installed.certificate_pem.encode("ascii"), 0o644)
    except BaseException:
        forget(written)
        raise
    return [*written, store.directory / name]


def forget(written: list[Path]) -> None:
    """Remove files `keep` wrote (their install was then refused by the ledger)."""
    for path in written:
        path.unlink(missing_ok=True)


def install(store: KeyStore, certificate_pem: bytes | str, *, now: datetime,
            root_pem: bytes | None = None) -> Installed:
    """check_certificate, then keep."""
    installed = check_certificate(store, certificate_pem, now=now, root_pem=root_pem)
    keep(store, installed)
    return installed


def publisher_kids(store: KeyStore) -> list[str]:
    """The publisher keys with an installed certificate."""
    if not store.directory.is_dir():
        return []
    return sorted(p.name[len(PUBLISHER_PREFIX):-len(".cert.pem")]
                  for p in store.directory.glob(f"{PUBLISHER_PREFIX}*.cert.pem"))


def load_publisher(store: KeyStore, passphrase: str, at: datetime) -> LoadedPublisher:
    """The newest installed publisher key valid at `at` and not on the root's CRL (kept beside the root
    certificate), decrypted, with its certificate and the root's."""
    from keys.revocation import CRL_FILE, load_crl

    _require_passphrase("publisher passphrase", passphrase)
    root = store._root_certificate()
    crl = store.directory / CRL_FILE
    revoked = load_crl(crl.read_bytes(), root) if crl.is_file() else None
    usable = []
    for kid in publisher_kids(store):
        certificate = store._read_certificate(f"{PUBLISHER_PREFIX}{kid}.cert.pem", f"publisher key {kid}")
        if publisher_problem(certificate, root, at) is None and not (revoked and revoked.problem(certificate)):
            usable.append((certificate.not_valid_before_utc, kid, certificate))
    if not usable:
        raise KeyNotFound(f"no publisher certificate valid now and not revoked in {store.directory}: the deployment "
                          "requests one "
                          "(certledger keys request --publisher) and the root's keeper certifies it")
    _, kid, certificate = max(usable)
    private_key = store._read_private(f"{PUBLISHER_PREFIX}{kid}.key.pem", passphrase, f"publisher key {kid}")
    _require_pair(private_key, certificate, f"publisher key {kid}")
    return LoadedPublisher(private_key=private_key, certificate=certificate, root_certificate=root)


def _stem(role: str, kid: str) -> str:
    return kid if role == OFFICE else f"{PUBLISHER_PREFIX}{kid}"


def _pending_request(store: KeyStore, stem: str, kid: str) -> KeyRequest:
    csr = store.directory / f"{stem}.csr.pem"
    if not csr.is_file() or not (store.directory / f"{stem}.key.pem").is_file():
        raise CertificateRefused(f"certificate: key {kid} is not pending in {store.directory}: install a "
                                 "certificate where its request was made")
    if (store.directory / f"{stem}.cert.pem").exists():
        raise KeyExists(f"key {kid} already has its certificate installed")
    return read_request(csr.read_bytes())


def _pinned_root(store: KeyStore, root_pem: bytes | None) -> tuple[x509.Certificate, bool]:
    """The root to install under: the pinned one; or, where none is pinned yet, the one given (pinned now)."""
    given = _one_certificate(root_pem, "root certificate") if root_pem is not None else None
    path: Path = store.directory / ROOT_CERT_FILE
    if path.exists():
        pinned = store._root_certificate()
        if given is not None and spki(given.public_key()) != spki(pinned.public_key()):
            raise CertificateRefused(f"root certificate: not the root pinned in {path}; a root is never replaced")
        return pinned, False
    if given is None:
        raise CertificateRefused(f"no pinned root in {store.directory}: pass the root certificate the keeper "
                                 "gave you (--root ROOT.cert.pem) after checking its fingerprint")
    if not issued_by(given, given):
        raise CertificateRefused("root certificate: not self-signed")
    store._ensure_directory()
    return given, True


def _one_certificate(data: bytes | str | None, what: str) -> x509.Certificate:
    raw = data.encode("ascii") if isinstance(data, str) else bytes(data or b"")
    try:
        found = x509.load_pem_x509_certificates(raw)
    except ValueError:
        raise CertificateRefused(f"{what}: not a PEM certificate") from None
    if len(found) != 1:
        raise CertificateRefused(f"{what}: {len(found)} certificates; expected one")
    return found[0]

