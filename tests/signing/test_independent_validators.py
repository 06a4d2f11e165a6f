"""Independent checks: poppler's pdfsig validates the signature and trusts the chain; a QR reader
decodes the code from the rendered page into the URL, and its token verifies."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import zxingcpp
from PIL import Image

from signing.pipeline import SignedDocument
from signing.token import TokenVerifier, parse_token
from tests.signing.conftest import BASE_URL, Office, cwt_payload


def pdfsig(pdf: Path, nssdir: Path | None = None) -> str:
    args = ["pdfsig", *(("-nssdir", f"sql:{nssdir}") if nssdir else ()), str(pdf)]
    # pdfsig exits 0 whatever the verdict: read its text.
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def nss_database_trusting(root_pem: str, directory: Path) -> Path:
    directory.mkdir()
    root = directory / "root.pem"
    root.write_text(root_pem)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "certledger-root", "-t", "CT,C,C",
                    "-i", str(root)], check=True)
    return directory


def test_pdfsig_finds_the_signature_valid_and_with_the_root_trusted_the_certificate_too(
        office: Office, signed_proof: Callable[..., SignedDocument], tmp_path: Path) -> None:
    pdf = tmp_path / "proof.pdf"
    pdf.write_bytes(signed_proof().pdf)
    untrusted = pdfsig(pdf)
    assert "Signature is Valid" in untrusted and "Certificate is Trusted" not in untrusted
    nss = nss_database_trusting(office.store.root_certificate_pem(), tmp_path / "nss")
    trusted = pdfsig(pdf, nss)
    assert "Signature is Valid" in trusted and "Certificate is Trusted" in trusted
    assert "Total document signed" in trusted


def test_pdfsig_reports_a_flipped_byte(office: Office, signed_proof: Callable[..., SignedDocument],
                                       tmp_path: Path) -> None:
    data = bytearray(signed_proof().pdf)
    data[data.index(b"stream\n", 200) + 30] ^= 0x01
    pdf = tmp_path / "tampered.pdf"
    pdf.write_bytes(bytes(data))
    assert "Signature is Valid" not in pdfsig(pdf)


def test_the_qr_code_on_the_rendered_page_decodes_to_the_url_and_its_token_verifies(
        office: Office, signed_proof: Callable[..., SignedDocument], tmp_path: Path) -> None:
    signed = signed_proof()
    pdf = tmp_path / "proof.pdf"
    pdf.write_bytes(signed.pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    found = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [r.format for r in found] == [zxingcpp.BarcodeFormat.QRCode]
    assert found[0].text == signed.url and signed.url.startswith(BASE_URL.upper() + "/V/")
    token = parse_token(found[0].text)
    trusted = office.trust_list().keys[token.kid]
    claims = TokenVerifier().verify(token, trusted.public_key)
    assert cwt_payload(token.raw, trusted.public_key, token.kid) == claims.to_cbor()  # and so does cwt's check
    assert claims.document_number == "SM-1915010000000731-01" and claims.kind == "written"
    assert len(signed.url) <= 300  # fits QR version 10 at level M in alphanumeric mode
