"""PAdES B-T: with a timestamp authority configured, each signature carries an RFC 3161 token over its value.

The TSA is OpenSSL's (tests/signing/tsa.py), and `openssl ts -verify` checks the token pyHanko embedded:
its imprint is the SHA-256 of the signature value, it chains to the TSA's root, and its time is now. A TSA
that is down or answers nonsense stops the signing with an error that names it; nothing is signed.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from pyhanko.pdf_utils.reader import PdfFileReader

from ledger.domain import ProofKind, china_date
from signing.errors import SigningError
from signing.pipeline import DocumentSigner, SignerKey
from tests.signing.conftest import BASE_URL, JINAN, KEY_PASS, Office
from tests.signing.tsa import running_tsa


def timestamped_signer(office: Office, url: str) -> DocumentSigner:
    key = office.store.load_signer(office.app.active_key("1501").kid, KEY_PASS)
    return DocumentSigner(SignerKey.of(key, "济南市人才服务中心"), BASE_URL, timestamp_url=url)


def signed_with(office: Office, url: str, number: str = "1915010000000731") -> bytes:
    office.issue(number)
    draft = office.app.draft_proof(JINAN, number, ProofKind.WRITTEN, "lost")
    return timestamped_signer(office, url).produce(draft.view, china_date(draft.at)).pdf


def signer_info(pdf: bytes) -> cms.SignerInfo:
    embedded = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    return embedded.signer_info


def timestamp_token(info: cms.SignerInfo) -> bytes | None:
    for attribute in info["unsigned_attrs"] if info["unsigned_attrs"].native else []:
        if attribute["type"].native == "signature_time_stamp_token":
            return bytes(attribute["values"][0].dump())
    return None


def openssl_verify(token: Path, imprint: str, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", "ts", "-verify", "-token_in", "-in", str(token), "-digest", imprint,
                           "-CAfile", str(root)], capture_output=True, text=True)


def test_a_signature_made_with_a_tsa_carries_a_token_openssl_verifies_over_its_value(
        office: Office, tmp_path: Path) -> None:
    with running_tsa() as tsa:
        pdf = signed_with(office, tsa.url)
    assert len(tsa.requests) == 1
    info = signer_info(pdf)
    token = timestamp_token(info)
    assert token is not None, "no signature-time-stamp-token in the signature's unsigned attributes"
    imprint = hashlib.sha256(info["signature"].native).hexdigest()
    (tmp_path / "token.der").write_bytes(token)
    (tmp_path / "tsa-root.pem").write_bytes(tsa.root_pem)
    checked = openssl_verify(tmp_path / "token.der", imprint, tmp_path / "tsa-root.pem")
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stdout + checked.stderr
    wrong = openssl_verify(tmp_path / "token.der", hashlib.sha256(b"another signature").hexdigest(),
                           tmp_path / "tsa-root.pem")
    assert wrong.returncode != 0  # the token is bound to this signature value, not to any
    content = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed
    assert isinstance(content, tsp.TSTInfo)
    assert abs(content["gen_time"].native - datetime.now(UTC)) < timedelta(minutes=5)


def test_a_timestamped_proof_passes_every_check_of_the_verifier(office: Office) -> None:
    number = "1915010000000732"
    office.issue(number)
    draft = office.app.draft_proof(JINAN, number, ProofKind.WRITTEN, "lost")
    with running_tsa() as tsa:
        signed = timestamped_signer(office, tsa.url).produce(draft.view, china_date(draft.at))
    office.app.commit_signed(JINAN, draft, signed.sha256, signed.token)
    assert timestamp_token(signer_info(signed.pdf)) is not None
    result = office.verifier().verify_pdf(signed.pdf)  # the TSA's own root is not ours: the token does no harm
    assert result.ok and result.summary().startswith("genuine and current"), result.summary()


@pytest.mark.parametrize("answer", ["down", "garbage"])
def test_a_tsa_that_is_down_or_answers_nonsense_stops_the_signing_with_its_name(office: Office,
                                                                                answer: str) -> None:
    with running_tsa("garbage" if answer == "garbage" else "openssl") as tsa:
        url = tsa.url
        if answer == "garbage":
            with pytest.raises(SigningError) as refused:
                signed_with(office, url)
    if answer == "down":  # the server is gone: its port refuses
        with pytest.raises(SigningError) as refused:
            signed_with(office, url)
    message = str(refused.value)
    assert "127.0.0.1" in message and ("timestamp" in message or "signing failed" in message), message
