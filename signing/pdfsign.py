"""PAdES signatures (baseline B-B; B-T when a timestamp authority is configured) via pyHanko.

The signer keeps its key, certificate chain and pyHanko objects loaded, and reserves a fixed
signature size, so a batch does not pay for a sizing dry run per document.
"""

from __future__ import annotations

from io import BytesIO

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.errors import MalformedDocument, SigningError

FIELD_NAME = "CertledgerSignature"
_RESERVED = 8192  # a P-256 CMS signature with a 2-certificate chain needs ~1.6 KB; a timestamp ~5 KB more


def _one_cert(pem: bytes):  # type: ignore[no-untyped-def]
    return next(iter(load_certs_from_pemder_data(pem)))


class PdfSigner:
    """Signs PDFs with one office key and its X.509 chain (office certificate, then the root)."""

    def __init__(self, private_key: EllipticCurvePrivateKey, certificate_pem: bytes, chain_pems: list[bytes],
                 *, office_name: str, timestamp_url: str | None = None) -> None:
        key_pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption())
        self._signer = signers.SimpleSigner(
            signing_cert=_one_cert(certificate_pem),
            signing_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
            cert_registry=SimpleCertificateStore.from_certs([_one_cert(p) for p in chain_pems]),
        )
        self._meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason="发证机构电子签章 / Signed by the issuing authority", location=office_name,
        )
        self._timestamp_url = timestamp_url
        self._timestamper = timestamps.HTTPTimeStamper(timestamp_url) if timestamp_url else None
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
