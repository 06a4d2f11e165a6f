"""PAdES signatures (baseline B-B; B-T when a timestamp authority is configured) via pyHanko.

The signer keeps its key, certificate chain and pyHanko objects loaded, and reserves a fixed
signature size, so a batch does not pay for a sizing dry run per document. The key is the
object the caller loaded: pyHanko's SimpleSigner would take it as DER and parse it again for
every signature.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing.errors import MalformedDocument, SigningError

FIELD_NAME = "CertledgerSignature"
_RESERVED = 8192  # a P-256 CMS signature with a 2-certificate chain needs ~1.6 KB; a timestamp ~5 KB more


def _one_cert(pem: bytes):  # type: ignore[no-untyped-def]
    return next(iter(load_certs_from_pemder_data(pem)))


class _HeldKeySigner(signers.Signer):
    """pyHanko's CMS signer over an ECDSA key object kept in memory."""

    def __init__(self, private_key: EllipticCurvePrivateKey, certificate_pem: bytes, chain_pems: list[bytes]) -> None:
        super().__init__(signing_cert=_one_cert(certificate_pem),
                         cert_registry=SimpleCertificateStore.from_certs([_one_cert(p) for p in chain_pems]))
        self._private_key = private_key

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        return self._private_key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))


class _Timestamper(timestamps.HTTPTimeStamper):
    """pyHanko's HTTP client, with an answer that is no TimeStampResp reported as the TSA's failure: asn1crypto
    reads the answer lazily and raises ValueError from inside pyHanko, which would not name the TSA."""

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        try:
            return await super().async_timestamp(message_digest, md_algorithm)
        except ValueError as e:
            raise timestamps.TimestampRequestError(f"its answer is not an RFC 3161 TimeStampResp: {e}") from None


class PdfSigner:
    """Signs PDFs with one office key and its X.509 chain (office certificate, then the root)."""

    def __init__(self, private_key: EllipticCurvePrivateKey, certificate_pem: bytes, chain_pems: list[bytes],
                 *, office_name: str, timestamp_url: str | None = None) -> None:
        if not isinstance(private_key, EllipticCurvePrivateKey):
            raise SigningError(f"cannot sign PDFs with a {type(private_key).__name__}: an ECDSA key is needed")
        self._signer = _HeldKeySigner(private_key, certificate_pem, chain_pems)
        self._meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason="发证机构电子签章 / Signed by the issuing authority", location=office_name,
        )
        self._timestamp_url = timestamp_url
        self._timestamper = _Timestamper(timestamp_url) if timestamp_url else None
        self._field = fields.SigFieldSpec(FIELD_NAME)  # invisible: the seal is drawn on the page

    def sign(self, pdf: bytes) -> bytes:
        """The signed PDF (an incremental update over the rendered one)."""
        try:
            writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        except (PdfError, ValueError) as e:
            raise MalformedDocument(f"cannot sign: not a readable PDF ({e})") from None
        signer = signers.PdfSigner(self._meta, signer=self._signer, timestamper=self._timestamper,
                                   new_field_spec=self._field)
        out = BytesIO()
        try:
            signer.sign_pdf(writer, bytes_reserved=_RESERVED * (2 if self._timestamper else 1), output=out)
        except (PdfError, ValueError) as e:
            raise SigningError(f"signing failed: {e}") from None
        except timestamps.TimestampRequestError as e:
            raise SigningError(f"the timestamp authority {self._timestamp_url} gave no timestamp ({e}); "
                               "nothing was signed") from None
        return out.getvalue()
