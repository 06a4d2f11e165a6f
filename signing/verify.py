"""Verification of a signed document or of a scanned token: one check per question.

A result is a frozen value with one field per check; each failed check carries a Reason, and
the result's `ok`, `genuine` and `outcome` are derived from them (signing/checks.py). Structural
problems (not a PDF at all, not a token) raise; outcomes are returned: a file that starts as a
PDF but cannot be read is a failed `format` check. Verification fails closed: a check that
could not run counts as failed, and page 1 is rendered (for its QR code) only for a file the
ledger recorded and whose signature held, so a hostile file never costs a render.

The ledger is reached through `LedgerReader` (read views only), the keys through a loaded,
signature-checked trust list.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, fields
from datetime import datetime
from io import BytesIO
from typing import Any, Protocol

from cryptography import x509

from keys.algorithms import key_id
from ledger.errors import LedgerError
from ledger.verification_record import VerificationRecord
from ledger.views import SignedFileView
from signing.checks import (
    Check,
    Checks,
    DocumentLike,
    DocumentStatus,
    Reason,
    document_status,
    recorded_signing_time,
    reference_of,
    status_check,
)
from signing.errors import MalformedDocument, SigningError
from signing.pdflimits import decode_limits
from signing.qr import QrReading, read_qr_codes, start_reading
from signing.token import SignedToken, TokenInvalid, TokenVerifier, holder_digest, parse_token

__all__ = ["Check", "DocumentStatus", "LedgerReader", "PdfVerification", "Reason", "TokenVerification",
           "Verifier", "document_status", "read_qr_codes"]


class TrustedKeyLike(Protocol):
    kid: str
    office: str
    certificate_pem: str
    public_key: Any
    compromised_at: datetime | None

    def may_sign_at(self, t: datetime) -> tuple[bool, str]: ...


class TrustListLike(Protocol):
    @property
    def root_certificate_pem(self) -> str: ...

    @property
    def keys(self) -> Mapping[str, Any]: ...  # kid -> a TrustedKeyLike


class LedgerReader(Protocol):
    """What verification reads from the ledger (CertLedger provides it)."""

    def signed_file(self, sha256: str) -> SignedFileView | None: ...

    def document_by_reference(self, reference: str) -> DocumentLike: ...


# pyHanko logs every failed validation as a warning with its traceback, and configures no handler: with
# none configured by the program either, Python's last-resort handler prints them on the user's terminal
# (`certledger verify-pdf` of a forged file). The checks say what failed; a NullHandler on the libraries'
# loggers (the standard library's advice for libraries) keeps them off the terminal, while a program that
# configures logging still receives them through its own root handlers.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

_PDF_CHECKS = ("format", "signature", "chain", "key_window", "recorded", "qr_token", "status")


@dataclass(frozen=True)
class PdfVerification(Checks):
    """Every check of a signed PDF, in the order an employer would ask them."""

    format: Check
    signature: Check
    chain: Check
    key_window: Check
    recorded: Check
    qr_token: Check
    status: Check
    document: DocumentStatus | None = None
    view: DocumentLike | None = None

    @classmethod
    def refused(cls, fmt: Check) -> PdfVerification:
        """A file whose format check failed: nothing else is checked."""
        return cls(fmt, *(Check.skipped(n) for n in _PDF_CHECKS[1:]))  # type: ignore[arg-type]

    def checks(self) -> tuple[Check, ...]:
        return tuple(getattr(self, f.name) for f in fields(self) if f.name in _PDF_CHECKS)

    def summary(self) -> str:
        if self.ok:
            return f"genuine and current: {self.status.detail}"
        failed = self.first_failure
        assert failed is not None
        return f"NOT VALID: {failed.name}: {failed.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "outcome": self.outcome.value, "summary": self.summary(),
                "checks": [c.to_dict() for c in self.checks()]}


@dataclass(frozen=True)
class TokenVerification(Checks):
    """Checks of a scanned QR token (no PDF at hand): what the page behind the QR shows."""

    token: Check
    signature: Check
    key_window: Check
    recorded: Check
    status: Check
    document: DocumentStatus | None = None
    view: DocumentLike | None = None

    def checks(self) -> tuple[Check, ...]:
        return (self.token, self.signature, self.key_window, self.recorded, self.status)

    def summary(self) -> str:
        failed = self.first_failure
        return f"genuine and current: {self.status.detail}" if failed is None else f"{failed.name}: {failed.detail}"


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
        parsed = Check.passed("token", f"token for {token.claims.kind} {token.claims.document_number}")
        key = self.trust.keys.get(token.kid)
        if key is None:
            return TokenVerification(parsed, Check.failed("signature", Reason.KEY_UNKNOWN,
                                                          f"key {token.kid} is not in the trust list"),
                                     Check.failed("key_window", Reason.KEY_UNKNOWN, "unknown key"),
                                     Check.skipped("recorded"), Check.skipped("status"))
        try:
            self._check_signature(token, key)
            signature = Check.passed("signature", f"signed by {key.office} key {key.kid}")
        except TokenInvalid as e:
            return TokenVerification(parsed, Check.failed("signature", Reason.SIGNATURE_INVALID, str(e)),
                                     Check.skipped("key_window"), Check.skipped("recorded"), Check.skipped("status"))
        try:
            view = self.ledger.document_by_reference(token.claims.document_number)
        except LedgerError:  # NotFound: a validly signed token the ledger never recorded
            return TokenVerification(
                parsed, signature, Check.failed("key_window", Reason.NOT_RECORDED, "no recorded signing time"),
                Check.failed("recorded", Reason.NOT_RECORDED, f"{token.claims.document_number} is not in the ledger"),
                Check.failed("status", Reason.UNKNOWN_DOCUMENT, "unknown document"))
        signed_at = recorded_signing_time(view, token.text)
        if signed_at is None:
            recorded = Check.failed("recorded", Reason.NOT_RECORDED, "the ledger has no signature with this token")
            window = Check.failed("key_window", Reason.NOT_RECORDED, "no recorded time")
        else:
            recorded = Check.passed("recorded", f"recorded at {signed_at.isoformat()}")
            window = self._window(key, signed_at)
        status = document_status(view)
        return TokenVerification(parsed, signature, window, recorded, status_check(status), status, view)

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
        if ok:
            return Check.passed("key_window", f"key {key.kid} may sign at {signed_at.isoformat()}")
        compromised = key.compromised_at is not None and signed_at >= key.compromised_at
        return Check.failed("key_window", Reason.KEY_REVOKED if compromised else Reason.KEY_NOT_VALID_AT_SIGNING, why)

    # ---------------------------------------------------------------- PDFs
    def verify_pdf(self, data: bytes) -> PdfVerification:
        """Every check of a signed PDF; raises MalformedDocument if the file is no PDF at all."""
        if not data.startswith(b"%PDF-"):
            raise MalformedDocument("not a PDF file")
        record = self.ledger.signed_file(hashlib.sha256(data).hexdigest())
        # Only a file the office signed and recorded is worth a render: begun now, it runs beside pyHanko.
        reading = start_reading(data, self.dpi) if record is not None else None
        embedded, fmt = _read_signature(data)
        if embedded is None:
            return PdfVerification.refused(fmt)
        recorded = (Check.passed("recorded", f"{record.document_number}, signed {record.signed_at.isoformat()}")
                    if record else Check.failed("recorded", Reason.NOT_RECORDED,
                                                "this exact file is not in the ledger (altered or foreign)"))
        signature, chain, signer_kid = self._pyhanko(embedded, record.signed_at if record else None)
        window = self._pdf_window(signer_kid, record)
        view = self.ledger.document_by_reference(record.document_number) if record is not None else None
        if reading is not None and signature.ok and chain.ok:
            qr = self._qr(reading, view, signer_kid)
        else:  # not the bytes the office signed and recorded, or no longer trusted: the page is not read
            qr = Check.skipped("qr_token")
        status_value = document_status(view) if view is not None else None
        status = (status_check(status_value) if status_value
                  else Check.failed("status", Reason.UNKNOWN_DOCUMENT, "unknown document"))
        return PdfVerification(fmt, signature, chain, window, recorded, qr, status, status_value, view)

    def _pdf_window(self, signer_kid: str | None, record: SignedFileView | None) -> Check:
        key = self.trust.keys.get(signer_kid) if signer_kid else None
        if key is None:
            return Check.failed("key_window", Reason.KEY_UNKNOWN,
                                f"signer key {signer_kid or '?'} is not in the trust list")
        if record is None:
            return Check.failed("key_window", Reason.NOT_RECORDED, "no signing time on record")
        if record.key_id != signer_kid:
            return Check.failed("key_window", Reason.KEY_MISMATCH,
                                f"the ledger records key {record.key_id}, the file carries {signer_kid}")
        return self._window(key, record.signed_at)

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
            cert = x509.load_der_x509_certificate(status.signing_cert.dump())
        except Exception as e:  # pyHanko raises many kinds for broken signature structures: all a failure
            return (Check.failed("signature", Reason.SIGNATURE_INVALID,
                                 f"signature cannot be validated ({type(e).__name__})"),
                    Check.skipped("chain"), None)
        kid = key_id(cert.public_key())
        if not (status.intact and status.valid):
            signature = Check.failed("signature", Reason.DOCUMENT_ALTERED,
                                     "the signed bytes were changed (digest or signature mismatch)")
        elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            signature = Check.failed("signature", Reason.DOCUMENT_ALTERED,
                                     "content was added after signing (incremental update)")
        else:
            signature = Check.passed("signature", f"intact, covers the whole file, key {kid}")
        chain = (Check.passed("chain", f"{cert.subject.rfc4514_string()} chains to the trusted root")
                 if status.trusted else Check.failed("chain", Reason.CHAIN_UNTRUSTED,
                                                     "the signer's certificate does not chain to the trusted root"))
        return signature, chain, kid

    def _qr(self, reading: Future[QrReading], view: DocumentLike | None, signer_kid: str | None) -> Check:
        try:
            texts = reading.result().texts
        except SigningError as e:
            return Check.failed("qr_token", Reason.QR_UNREADABLE, str(e))
        if not texts:
            return Check.failed("qr_token", Reason.QR_UNREADABLE, "no QR code found on the first page")
        try:
            token: SignedToken = parse_token(texts[0])
        except SigningError as e:
            return Check.failed("qr_token", Reason.QR_UNREADABLE, f"the QR code is not a certledger token: {e}")
        key = self.trust.keys.get(token.kid)
        if key is None:
            return Check.failed("qr_token", Reason.KEY_UNKNOWN, f"token key {token.kid} is not in the trust list")
        try:
            self._check_signature(token, key)
        except TokenInvalid as e:
            return Check.failed("qr_token", Reason.SIGNATURE_INVALID, str(e))
        if signer_kid is not None and token.kid != signer_kid:
            return Check.failed("qr_token", Reason.KEY_MISMATCH,
                                f"token signed by key {token.kid}, the PDF by {signer_kid}")
        return _token_matches(token, view)


def _token_matches(token: SignedToken, view: DocumentLike | None) -> Check:
    """The QR token's claims against the ledger's record of the document the file renders."""
    if view is None:
        return Check.failed("qr_token", Reason.NOT_RECORDED, "no ledger record to compare the token with")
    reference = str(reference_of(view))
    if token.claims.document_number != reference:
        return Check.failed("qr_token", Reason.TOKEN_MISMATCH, f"the QR code belongs to {token.claims.document_number}"
                                                               f", this file is {reference}")
    expected = (view.holder_digest if isinstance(view, VerificationRecord)
                else holder_digest(token.claims.document_number, view.data.holder_name, view.data.id_number))
    if token.claims.holder_digest != expected:
        return Check.failed("qr_token", Reason.TOKEN_MISMATCH,
                            "the QR code's holder digest does not match the recorded holder")
    if recorded_signing_time(view, token.text) is None:
        return Check.failed("qr_token", Reason.TOKEN_MISMATCH, "the ledger recorded another token for this document")
    return Check.passed("qr_token", f"QR token for {token.claims.document_number} verifies and matches")


def _read_signature(data: bytes) -> tuple[Any, Check]:
    """The file's one embedded signature and a passed `format` check, or None and the failed check."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(data), strict=False, decode_limits=decode_limits())
        signatures = reader.embedded_signatures
    except Exception as e:  # the parser raises many kinds for a broken or hostile file: all mean unreadable
        return None, Check.failed("format", Reason.MALFORMED, f"unreadable PDF ({type(e).__name__})")
    if len(signatures) != 1:
        return None, Check.failed("format", Reason.UNSIGNED, f"expected one signature, found {len(signatures)}")
    return signatures[0], Check.passed("format", "a PDF with one signature")
