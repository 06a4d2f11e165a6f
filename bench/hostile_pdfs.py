"""The hostile PDFs bench_hostile uploads, made here: a 4 KB one-page PDF with a 14,400 pt page and a
signature field (self-signed), and a ~200 KB PDF whose page holds a 200 MB flate stream; and the
multipart body that carries one."""

from __future__ import annotations

import io
import tempfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

BOUNDARY = "bench-hostile-boundary"


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (1 is the catalog), with a correct cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _self_signed(pdf: bytes) -> bytes:
    """`pdf` signed (PAdES, P-256) by a throwaway key whose certificate signs itself: a well-formed signature
    that fails the chain check, so a check that went on after it would render page 1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hostile")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    with tempfile.TemporaryDirectory() as d:
        cert_file = Path(d) / "c.pem"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        signing_cert = load_cert_from_pemder(str(cert_file))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    signer = signers.SimpleSigner(signing_cert=signing_cert, signing_key=load_private_key_from_pemder_data(key_pem,
                                  passphrase=None), cert_registry=SimpleCertificateStore.from_certs([signing_cert]))
    meta = signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
                                                    bytes_reserved=1900, output=out)
    return out.getvalue()


def _page_pdf(media_box: bytes, content: bytes, content_filter: bytes = b"") -> bytes:
    return _self_signed(_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox " + media_box + b" /Contents 4 0 R >>",
        b"<< /Length %d" % len(content) + content_filter + b" >>\nstream\n" + content + b"\nendstream",
    ]))


def big_page_pdf() -> bytes:
    """~4 KB: one 14,400 x 14,400 pt page (200 x 200 inches) and a signature field, signed by a stranger."""
    return _page_pdf(b"[0 0 14400 14400]", b"0 0 m 14400 14400 l S")


def flate_bomb_pdf(megabytes: int = 200) -> bytes:
    """An A4 page whose content stream inflates to `megabytes` MB of spaces (~0.1 % of that on the wire)."""
    packer, chunk = zlib.compressobj(9), b" " * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()
    return _page_pdf(b"[0 0 595 842]", packed, b" /Filter /FlateDecode")


def multipart(pdf: bytes, name: str) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{BOUNDARY}--\r\n".encode()
