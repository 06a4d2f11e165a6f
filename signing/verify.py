"""Verification of a signed document or of a scanned token: one check per question.

A result is a frozen value with one field per check and an `ok` that is true only when
every check passed. Structural problems (not a PDF, not a token) raise; outcomes are
returned. Verification fails closed: a check that could not run counts as failed.

The ledger is reached through `LedgerReader` (read views only), the keys through a loaded,
signature-checked trust list.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from io import BytesIO
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ledger.errors import LedgerError
from ledger.records import ProofSuperseded
from ledger.views import CertificateView, ProofView, SignedFileView
from signing.errors import MalformedDocument, SigningError
from signing.token import SignedToken, TokenInvalid, TokenVerifier, holder_digest, parse_token


class TrustedKeyLike(Protocol):
    kid: str
    office: str
    certificate_pem: str
    public_key: Any

    def may_sign_at(self, t: datetime) -> tuple[bool, str]: ...


class TrustListLike(Protocol):
    @property
    def root_certificate_pem(self) -> str: ...

    @property
    def keys(self) -> Mapping[str, Any]: ...  # kid -> a TrustedKeyLike


class LedgerReader(Protocol):
    """What verification reads from the ledger (CertLedger provides it)."""

    def signed_file(self, sha256: str) -> SignedFileView | None: ...

    def document_by_reference(self, reference: str) -> CertificateView | ProofView: ...


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


def _failed(name: str, detail: str) -> Check:
    return Check(name, False, detail)


@dataclass(frozen=True)
class DocumentStatus:
    """The ledger's current word on a document."""

    number: str
    state: str  # current / superseded / revoked / unknown
    superseded_by: str | None = None
    superseded_reason: str | None = None
    superseded_at: datetime | None = None
    revoked_reason: str | None = None
    revoked_at: datetime | None = None


def document_status(view: CertificateView | ProofView) -> DocumentStatus:
    sup, rev = view.superseded, view.revoked
    by = None
    if sup is not None:
        by = sup.by_number if isinstance(sup, ProofSuperseded) else f"{view.number}#{sup.by_edition}"
    return DocumentStatus(
        number=view.number if isinstance(view, ProofView) else f"{view.number}#{view.edition}",
        state=view.status, superseded_by=by, superseded_reason=sup.reason if sup else None,
        superseded_at=sup.at if sup else None, revoked_reason=rev.reason if rev else None,
        revoked_at=rev.at if rev else None)


def _status_check(status: DocumentStatus) -> Check:
    if status.state == "current":
        return Check("status", True, f"{status.number} is current")
    if status.state == "superseded":
        return _failed("status", f"{status.number} was superseded by {status.superseded_by}"
                                 f" ({status.superseded_reason or 'replaced'})")
    if status.state == "revoked":
        return _failed("status", f"{status.number} was revoked: {status.revoked_reason}")
    return _failed("status", f"{status.number} is {status.state}")


def _reference(view: CertificateView | ProofView) -> str:
    return view.number if isinstance(view, ProofView) else f"{view.number}#{view.edition}"


@dataclass(frozen=True)
class PdfVerification:
    """Every check of a signed PDF, in the order an employer would ask them."""

    format: Check
    signature: Check
    chain: Check
    key_window: Check
    recorded: Check
    qr_token: Check
    status: Check
    document: DocumentStatus | None = None

    def checks(self) -> tuple[Check, ...]:
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "document")

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks())

    @property
    def first_failure(self) -> Check | None:
        return next((c for c in self.checks() if not c.ok), None)

    def summary(self) -> str:
        if self.ok:
            return f"genuine and current: {self.status.detail}"
        failed = self.first_failure
        assert failed is not None
        return f"NOT VALID: {failed.name}: {failed.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "summary": self.summary(), "checks": [c.to_dict() for c in self.checks()]}


@dataclass(frozen=True)
class TokenVerification:
    """Checks of a scanned QR token (no PDF at hand): what the page behind the QR shows."""

    token: Check
    signature: Check
    key_window: Check
    recorded: Check
    status: Check
    document: DocumentStatus | None = None
    view: CertificateView | ProofView | None = None

    def checks(self) -> tuple[Check, ...]:
        return (self.token, self.signature, self.key_window, self.recorded, self.status)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks())

    def summary(self) -> str:
        failed = next((c for c in self.checks() if not c.ok), None)
        return f"genuine and current: {self.status.detail}" if failed is None else f"{failed.name}: {failed.detail}"


def kid_of_certificate(certificate: x509.Certificate) -> str:
    spki = certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()[:16]


class Verifier:
    """Verifies PDFs and tokens against one trust list and one ledger."""

    def __init__(self, trust: TrustListLike, ledger: LedgerReader, *, dpi: int = 150, remember: int = 0) -> None:
        """`remember`: how many tokens whose signature held to keep, so a token scanned again is not
        checked again (its exact bytes and the key it names; a trust list reloaded is a new Verifier)."""
        self.trust = trust
        self.ledger = ledger
        self.dpi = dpi
        self.remember = remember
        self._tokens = TokenVerifier()
        self._held: dict[bytes, TrustedKeyLike] = {}  # token bytes -> the trusted key its signature held with
        self._root_asn1: Any = None

    # -------------------------------------------------------------- tokens
    def verify_token(self, text: str) -> TokenVerification:
        """A scanned URL or token text: signature offline, status online."""
        token = parse_token(text)  # raises MalformedToken for structure
        parsed = Check("token", True, f"token for {token.claims.kind} {token.claims.document_number}")
        key = self.trust.keys.get(token.kid)
        if key is None:
            return TokenVerification(parsed, _failed("signature", f"key {token.kid} is not in the trust list"),
                                     _failed("key_window", "unknown key"), _failed("recorded", "not checked"),
                                     _failed("status", "not checked"))
        try:
            self._check_signature(token, key)
            signature = Check("signature", True, f"signed by {key.office} key {key.kid}")
        except TokenInvalid as e:
            return TokenVerification(parsed, _failed("signature", str(e)), _failed("key_window", "not checked"),
                                     _failed("recorded", "not checked"), _failed("status", "not checked"))
        try:
            view = self.ledger.document_by_reference(token.claims.document_number)
        except LedgerError:  # NotFound: a validly signed token the ledger never recorded
            return TokenVerification(parsed, signature, _failed("key_window", "no recorded signing time"),
                                     _failed("recorded", f"{token.claims.document_number} is not in the ledger"),
                                     _failed("status", "unknown document"))
        entry = next((s for s in view.signatures if s.token == token.text), None)
        recorded = (Check("recorded", True, f"recorded at {entry.signed_at.isoformat()}") if entry
                    else _failed("recorded", "the ledger has no signature with this token"))
        window = (self._window(key, entry.signed_at) if entry else _failed("key_window", "no recorded time"))
        status = document_status(view)
        return TokenVerification(parsed, signature, window, recorded, _status_check(status), status, view)

    def _check_signature(self, token: SignedToken, key: TrustedKeyLike) -> None:
        """Raises TokenInvalid unless the token's signature holds with `key`; a signature that held is
        remembered (up to `remember` tokens), one that failed never is."""
        if self._held.get(token.raw) is key:
            return
        self._tokens.verify(token, key.public_key)
        if self.remember > 0:
            if len(self._held) >= self.remember:
                self._held.clear()  # plain dict operations: safe from the service's worker threads
            self._held[token.raw] = key

    def _window(self, key: TrustedKeyLike, signed_at: datetime) -> Check:
        ok, why = key.may_sign_at(signed_at)
        return Check("key_window", ok, f"key {key.kid} may sign at {signed_at.isoformat()}" if ok else why)

    # ---------------------------------------------------------------- PDFs
    def verify_pdf(self, data: bytes) -> PdfVerification:
        """Every check of a signed PDF; raises MalformedDocument if it is not a readable PDF."""
        from pyhanko.pdf_utils.misc import PdfReadError
        from pyhanko.pdf_utils.reader import PdfFileReader

        if not data.startswith(b"%PDF-"):
            raise MalformedDocument("not a PDF file")
        try:
            reader = PdfFileReader(BytesIO(data), strict=False)
            signatures = reader.embedded_signatures
        except (PdfReadError, ValueError, LookupError, TypeError, AttributeError,
                ArithmeticError, zlib.error, RecursionError) as e:  # what a broken file makes the parser raise
            raise MalformedDocument(f"unreadable PDF ({type(e).__name__})") from None
        if len(signatures) != 1:
            nothing = _failed("format", f"expected one signature, found {len(signatures)}")
            return PdfVerification(nothing, *(_failed(n, "not checked") for n in (  # type: ignore[arg-type]
                "signature", "chain", "key_window", "recorded", "qr_token", "status")))
        fmt = Check("format", True, "a PDF with one signature")
        sha = hashlib.sha256(data).hexdigest()
        record = self.ledger.signed_file(sha)
        recorded = (Check("recorded", True, f"{record.document_number}, signed {record.signed_at.isoformat()}")
                    if record else _failed("recorded", "this exact file is not in the ledger (altered or foreign)"))

        signature, chain, signer_kid = self._pyhanko(signatures[0], record.signed_at if record else None)
        key = self.trust.keys.get(signer_kid) if signer_kid else None
        if key is None:
            window = _failed("key_window", f"signer key {signer_kid or '?'} is not in the trust list")
        elif record is None:
            window = _failed("key_window", "no signing time on record")
        elif record.key_id != signer_kid:
            window = _failed("key_window", f"the ledger records key {record.key_id}, the file carries {signer_kid}")
        else:
            window = self._window(key, record.signed_at)

        view = None
        if record is not None:
            view = self.ledger.document_by_reference(record.document_number)
        qr = self._qr(data, view, signer_kid)
        status_value = document_status(view) if view is not None else None
        status = _status_check(status_value) if status_value else _failed("status", "unknown document")
        return PdfVerification(fmt, signature, chain, window, recorded, qr, status, status_value)

    def _pyhanko(self, embedded: Any, moment: datetime | None) -> tuple[Check, Check, str | None]:
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko.sign.validation.status import SignatureCoverageLevel
        from pyhanko_certvalidator import ValidationContext

        if self._root_asn1 is None:
            from pyhanko.keys import load_certs_from_pemder_data

            self._root_asn1 = next(iter(load_certs_from_pemder_data(self.trust.root_certificate_pem.encode())))
        # Chain validity is judged at the ledger's recorded signing time, not the file's claim or today.
        context = ValidationContext(trust_roots=[self._root_asn1], allow_fetching=False, moment=moment,
                                    revocation_mode="soft-fail")
        try:
            status = validate_pdf_signature(embedded, context)
        except Exception as e:  # pyHanko raises many kinds for broken signature structures
            return (_failed("signature", f"signature cannot be validated ({type(e).__name__})"),
                    _failed("chain", "not checked"), None)
        cert = x509.load_der_x509_certificate(status.signing_cert.dump())
        kid = kid_of_certificate(cert)
        if not (status.intact and status.valid):
            signature = _failed("signature", "the signed bytes were changed (digest or signature mismatch)")
        elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            signature = _failed("signature", "content was added after signing (incremental update)")
        else:
            signature = Check("signature", True, f"intact, covers the whole file, key {kid}")
        chain = (Check("chain", True, f"{cert.subject.rfc4514_string()} chains to the trusted root")
                 if status.trusted else _failed("chain", "the signer's certificate does not chain to the trusted root"))
        return signature, chain, kid

    def _qr(self, data: bytes, view: CertificateView | ProofView | None, signer_kid: str | None) -> Check:
        try:
            texts = read_qr_codes(data, self.dpi)
        except SigningError as e:
            return _failed("qr_token", str(e))
        if not texts:
            return _failed("qr_token", "no QR code found on the first page")
        try:
            token: SignedToken = parse_token(texts[0])
        except SigningError as e:
            return _failed("qr_token", f"the QR code is not a certledger token: {e}")
        key = self.trust.keys.get(token.kid)
        if key is None:
            return _failed("qr_token", f"token key {token.kid} is not in the trust list")
        try:
            self._check_signature(token, key)
        except TokenInvalid as e:
            return _failed("qr_token", str(e))
        if signer_kid is not None and token.kid != signer_kid:
            return _failed("qr_token", f"token signed by key {token.kid}, the PDF by {signer_kid}")
        if view is None:
            return _failed("qr_token", "no ledger record to compare the token with")
        if token.claims.document_number != _reference(view):
            return _failed("qr_token", f"the QR code belongs to {token.claims.document_number}, "
                                       f"this file is {_reference(view)}")
        expected = holder_digest(token.claims.document_number, view.data.holder_name, view.data.id_number)
        if token.claims.holder_digest != expected:
            return _failed("qr_token", "the QR code's holder digest does not match the recorded holder")
        if not any(s.token == token.text for s in view.signatures):
            return _failed("qr_token", "the ledger recorded another token for this document")
        return Check("qr_token", True, f"QR token for {token.claims.document_number} verifies and matches")


def read_qr_codes(pdf: bytes, dpi: int = 150) -> list[str]:
    """The texts of the QR codes on page 1, as a phone would see them (rendered, then decoded)."""
    import pypdfium2
    import zxingcpp

    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as e:
        raise SigningError(f"the page cannot be rendered ({e})") from None
    try:
        image = document[0].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    return [r.text for r in found]
