"""The office key is parsed once: the signers sign with the object they are given, and worker
processes get its bytes once and parse them once each."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ledger.domain import ProofKind, china_date
from signing.errors import SigningError
from signing.pipeline import BatchPool, DocumentSigner, SignerKey, SigningJob
from tests.signing.conftest import BASE_URL, JINAN, KEY_PASS, Office, cwt_payload


class KeyThatMayNotLeave(ec.EllipticCurvePrivateKey):
    """A P-256 key that signs but refuses to be serialised or copied: a signer that turned it back
    into PEM or DER (to parse it again) would fail."""

    def __init__(self, inner: ec.EllipticCurvePrivateKey) -> None:
        self._inner = inner
        self.signatures = 0

    def sign(self, data: bytes | bytearray | memoryview,
             signature_algorithm: ec.EllipticCurveSignatureAlgorithm) -> bytes:
        self.signatures += 1
        return self._inner.sign(data, signature_algorithm)

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._inner.public_key()

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._inner.curve

    @property
    def key_size(self) -> int:
        return self._inner.key_size

    def exchange(self, algorithm: ec.ECDH, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        raise AssertionError("not for signing")

    def private_numbers(self) -> ec.EllipticCurvePrivateNumbers:
        raise AssertionError("the signer read the private numbers out of the key")

    def private_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("the signer serialised the private key")

    def __copy__(self) -> ec.EllipticCurvePrivateKey:
        raise AssertionError("the signer copied the key")

    def __deepcopy__(self, memo: dict[int, object]) -> ec.EllipticCurvePrivateKey:
        raise AssertionError("the signer copied the key")


def test_a_document_is_signed_with_the_key_object_itself_never_serialised(office: Office) -> None:
    office.issue("1915010000000731")
    loaded = office.store.load_signer(office.kids[0], KEY_PASS)
    real = SignerKey.of(loaded, "济南市人才服务中心")
    assert isinstance(real.private_key, ec.EllipticCurvePrivateKey)
    held = KeyThatMayNotLeave(real.private_key)
    signer = DocumentSigner(SignerKey(real.kid, held, real.certificate_pem, real.chain_pems, real.office_name),
                            BASE_URL)
    draft = office.app.draft_proof(JINAN, "1915010000000731", ProofKind.WRITTEN, "lost")
    signed = signer.produce(draft.view, china_date(draft.at))
    assert held.signatures == 2  # the token and the PDF's CMS signature, nothing else
    public = loaded.private_key.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    from signing.token import parse_token

    assert cwt_payload(parse_token(signed.token).raw, public, real.kid) is not None  # the token verifies
    office.app.commit_signed(JINAN, draft, signed.sha256, signed.token)
    assert office.verifier().verify_pdf(signed.pdf).ok  # and so does the PDF


def test_forked_workers_sign_with_the_parents_key_and_every_pdf_verifies(office: Office) -> None:
    key = SignerKey.of(office.store.load_signer(office.kids[0], KEY_PASS), "济南市人才服务中心")
    numbers = [f"191501000000074{i}" for i in range(5)]
    for n in numbers:
        office.issue(n)
    drafts = [office.app.draft_proof(JINAN, n, ProofKind.WRITTEN, "lost") for n in numbers]
    with BatchPool(key, BASE_URL, workers=2) as pool:  # the key object is inherited: it would not pickle
        signed = list(pool.map(SigningJob(d.view, d.reference, china_date(d.at)) for d in drafts))
    office.app.commit_signed_batch(JINAN, [(d, s.sha256, s.token) for d, s in zip(drafts, signed, strict=True)])
    verifier = office.verifier()
    assert all(verifier.verify_pdf(s.pdf).ok for s in signed)


def test_a_key_object_does_not_pickle_so_workers_could_not_be_handed_it(office: Office) -> None:
    key = SignerKey.of(office.store.load_signer(office.kids[0], KEY_PASS), "济南市人才服务中心")
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_a_key_that_is_no_p256_key_cannot_sign_tokens() -> None:
    from signing.token import TokenSigner

    with pytest.raises(SigningError):
        TokenSigner(ec.generate_private_key(ec.SECP384R1()), "00112233aabbccdd")
