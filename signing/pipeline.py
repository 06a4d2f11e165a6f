"""From a read view to a signed PDF: token, QR, rendering, PAdES signature.

A `DocumentSigner` keeps the font, the key and pyHanko's objects loaded, so a batch pays
for them once. `BatchPool` runs one signer per worker process for the CPU-bound part
(rendering and signing); the ledger stays in the parent, which records each result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

from ledger.views import CertificateView, ProofView
from signing.content import DocumentContent
from signing.pdfsign import PdfSigner
from signing.token import TokenClaims, TokenSigner, holder_digest, token_url


@dataclass(frozen=True)
class SignedDocument:
    pdf: bytes
    sha256: str
    key_id: str
    token: str  # base32 text, as the ledger records it
    url: str


def reference(view: CertificateView | ProofView) -> str:
    """How a token and the ledger name a document: a proof number, or certificate number#edition."""
    return view.number if isinstance(view, ProofView) else f"{view.number}#{view.edition}"


@dataclass(frozen=True)
class SignerKey:
    """What a signer needs of a key: everything picklable, so worker processes can rebuild a signer."""

    kid: str
    private_pem: bytes  # unencrypted PKCS#8, in memory only
    certificate_pem: bytes
    chain_pems: tuple[bytes, ...]
    office_name: str


class DocumentSigner:
    def __init__(self, key: SignerKey, base_url: str, *, timestamp_url: str | None = None,
                 font_path: str | None = None) -> None:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        from signing.render import Renderer

        private = load_pem_private_key(key.private_pem, password=None)
        assert isinstance(private, EllipticCurvePrivateKey)
        self.kid = key.kid
        self.base_url = base_url
        self._tokens = TokenSigner(private, key.kid)
        self._pdf = PdfSigner(private, key.certificate_pem, list(key.chain_pems), office_name=key.office_name,
                              timestamp_url=timestamp_url)
        self._renderer = Renderer(font_path) if font_path else Renderer()

    def produce(self, view: CertificateView | ProofView, on: date) -> SignedDocument:
        """Token, rendering and signature for one document dated `on` (the office's date)."""
        ref = reference(view)
        claims = TokenClaims(ref, view.data.number, "certificate" if isinstance(view, CertificateView)
                             else view.kind_name, on, holder_digest(ref, view.data.holder_name, view.data.id_number))
        token = self._tokens.sign(claims)
        url = token_url(self.base_url, token)
        pdf = self._pdf.sign(self._renderer.render(DocumentContent.of(view, on), url))
        return SignedDocument(pdf, hashlib.sha256(pdf).hexdigest(), self.kid, token.text, url)


_worker: DocumentSigner | None = None


def _init_worker(key: SignerKey, base_url: str, timestamp_url: str | None) -> None:
    global _worker
    _worker = DocumentSigner(key, base_url, timestamp_url=timestamp_url)


def _produce(job: tuple[CertificateView | ProofView, date]) -> SignedDocument:
    assert _worker is not None
    return _worker.produce(*job)


class BatchPool:
    """Render and sign in worker processes, results in submission order."""

    def __init__(self, key: SignerKey, base_url: str, *, workers: int, timestamp_url: str | None = None) -> None:
        self._local = DocumentSigner(key, base_url, timestamp_url=timestamp_url) if workers <= 1 else None
        self._pool = None if workers <= 1 else ProcessPoolExecutor(
            workers, initializer=_init_worker, initargs=(key, base_url, timestamp_url))

    def map(self, jobs: Iterable[tuple[CertificateView | ProofView, date]]) -> Iterator[SignedDocument]:
        local = self._local
        if local is not None:
            return (local.produce(view, on) for view, on in jobs)
        assert self._pool is not None
        return self._pool.map(_produce, jobs, chunksize=4)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> BatchPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
