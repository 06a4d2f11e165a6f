"""From a read view to a signed PDF: token, QR, rendering, PAdES signature.

A `DocumentSigner` keeps the font, the key and pyHanko's objects loaded, so a batch pays
for them once. `BatchPool` runs one signer per worker process for the CPU-bound part
(rendering and signing); the ledger stays in the parent, which records each result.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

from keys.store import LoadedKey
from ledger.docref import DocumentReference
from ledger.views import CertificateView, ProofView
from signing.checks import reference_of
from signing.content import DocumentContent
from signing.errors import SigningError
from signing.pdfsign import PdfSigner
from signing.token import TokenClaims, TokenSigner, holder_digest, token_url


@dataclass(frozen=True)
class SignedDocument:
    pdf: bytes
    sha256: str
    key_id: str
    token: str  # base32 text, as the ledger records it
    url: str


@dataclass(frozen=True)
class SigningJob:
    """One document to sign: its view, the reference its token and record carry, the office's date."""

    view: CertificateView | ProofView
    reference: DocumentReference
    on: date


@dataclass(frozen=True)
class SignerKey:
    """An office key loaded once, with its chain: the token signer and the PDF signer use this object."""

    kid: str
    private_key: EllipticCurvePrivateKey = field(repr=False)
    certificate_pem: bytes
    chain_pems: tuple[bytes, ...]
    office_name: str

    @classmethod
    def of(cls, loaded: LoadedKey, office_name: str) -> SignerKey:
        """The key keys.store decrypted (office certificate, then the root)."""
        if not isinstance(loaded.private_key, EllipticCurvePrivateKey):
            raise SigningError(f"key {loaded.kid} is a {type(loaded.private_key).__name__}: documents are "
                               "signed with ECDSA keys")
        return cls(loaded.kid, loaded.private_key, loaded.certificate_pem.encode("ascii"),
                   (loaded.root_certificate.public_bytes(serialization.Encoding.PEM),), office_name)


class DocumentSigner:
    def __init__(self, key: SignerKey, base_url: str, *, timestamp_url: str | None = None,
                 font_path: str | None = None) -> None:
        from signing.render import Renderer

        self.kid = key.kid
        self.base_url = base_url
        self._tokens = TokenSigner(key.private_key, key.kid)
        self._pdf = PdfSigner(key.private_key, key.certificate_pem, list(key.chain_pems),
                              office_name=key.office_name, timestamp_url=timestamp_url)
        self._renderer = Renderer(font_path) if font_path else Renderer()

    def produce(self, view: CertificateView | ProofView, on: date,
                ref: DocumentReference | None = None) -> SignedDocument:
        """Token, rendering and signature for one document dated `on` (the office's date), named `ref`
        (the ledger's draft names it; by default, as the view does)."""
        ref = ref or reference_of(view)
        name = str(ref)
        claims = TokenClaims(name, view.data.number, "certificate" if isinstance(view, CertificateView)
                             else view.kind_name, on, holder_digest(name, view.data.holder_name, view.data.id_number))
        token = self._tokens.sign(claims)
        url = token_url(self.base_url, token)
        pdf = self._pdf.sign(self._renderer.render(DocumentContent.of(view, on), url))
        return SignedDocument(pdf, hashlib.sha256(pdf).hexdigest(), self.kid, token.text, url)


_worker: DocumentSigner | None = None


def _adopt(signer: DocumentSigner) -> None:
    """A forked worker takes the parent's signer as it is (font parsed, key held, modules imported)."""
    global _worker
    _worker = signer


def _produce(job: SigningJob) -> SignedDocument:
    assert _worker is not None
    return _worker.produce(job.view, job.on, job.reference)


class BatchPool:
    """Render and sign in worker processes, results in submission order.

    The signer is built once, here, before any worker starts: a missing font is one error, and the workers,
    forked, inherit it with its parsed font, its key object and pyHanko's and reportlab's modules loaded
    (with fork the initializer's argument is inherited, not pickled, so the key never crosses a pipe).
    """

    def __init__(self, key: SignerKey, base_url: str, *, workers: int, timestamp_url: str | None = None) -> None:
        signer = DocumentSigner(key, base_url, timestamp_url=timestamp_url)
        self._local = signer if workers <= 1 else None
        self._pool = None if workers <= 1 else ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=_adopt, initargs=(signer,))

    def map(self, jobs: Iterable[SigningJob]) -> Iterator[SignedDocument]:
        local = self._local
        if local is not None:
            return (local.produce(job.view, job.on, job.reference) for job in jobs)
        assert self._pool is not None
        return self._pool.map(_produce, jobs, chunksize=4)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> BatchPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
