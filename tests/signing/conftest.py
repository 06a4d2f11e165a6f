"""A signing office in a box: a ledger, a key store with a root and an office key, a trust list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cwt import COSE, COSEKey

from keys.store import KeyStore
from keys.trustlist import TrustList, build_trust_list, load_trust_list
from ledger.application import Actor, CertLedger
from ledger.domain import ProofKind, china_date
from ledger.views import SigningKeyView
from signing.pipeline import DocumentSigner, SignedDocument, SignerKey
from signing.verify import Verifier
from tests.conftest import resident_id

JINAN = Actor("王芳", "1501")
BASE_URL = "https://verify.certledger.example"
ROOT_PASS, KEY_PASS = "signing-root-pass-1501", "signing-office-key-1501"  # long enough for new keys (issue 12)
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class SteppingClock:
    """Ledger time under the test's control: ticks a second per reading, jumps on request."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Office:
    app: CertLedger
    store: KeyStore
    clock: SteppingClock
    tmp: Path
    kids: list[str] = field(default_factory=list)

    def new_key(self, *, retire: str | None = None, days: int = 365) -> str:
        now = self.app.now()
        key = self.store.generate_office_key("1501", "济南市人才服务中心", ROOT_PASS, KEY_PASS, not_before=now,
                                             not_after=now + timedelta(days=days))
        self.app.register_key(JINAN, key.kid, key.algorithm, key.public_key_pem, key.certificate_pem,
                              key.not_before, key.not_after, office=key.office, publisher=self.sign_list,
                              retire=retire)
        self.kids.append(key.kid)
        return key.kid

    def sign_list(self, views: Sequence[SigningKeyView], at: datetime) -> bytes:
        """The publisher the ledger records a trust list with on each key change (here the root signs it)."""
        return build_trust_list(views, self.store.load_root(ROOT_PASS), issuer="test root", issued_at=at)

    def signer(self, kid: str | None = None) -> DocumentSigner:
        kid = kid or self.app.active_key("1501").kid
        return DocumentSigner(SignerKey.of(self.store.load_signer(kid, KEY_PASS), "济南市人才服务中心"), BASE_URL)

    def issue(self, number: str, occupation: str = "电工") -> None:
        self.app.issue(JINAN, {"number": number, "holder_name": "刘建国", "gender": "男",
                               "id_number": resident_id(), "occupation": occupation, "level": "三级",
                               "theory_score": "81", "practical_score": "77", "issue_date": "2019-06-28"})

    def prove_signed(self, number: str) -> SignedDocument:
        """Record, render, sign and commit a written proof, as `certledger prove --out` does."""
        draft = self.app.draft_proof(JINAN, number, ProofKind.WRITTEN, "lost")
        signed = self.signer().produce(draft.view, china_date(draft.at))
        self.app.commit_signed(JINAN, draft, signed.sha256, signed.token)
        return signed

    def trust_list(self) -> TrustList:
        data = build_trust_list(self.app.signing_keys(), self.store.load_root(ROOT_PASS), issuer="test root",
                                issued_at=self.app.now())
        return load_trust_list(data, self.store.root_certificate_pem().encode())

    def verifier(self) -> Verifier:
        return Verifier(self.trust_list(), self.app)


@pytest.fixture
def office(tmp_path: Path) -> Office:
    clock = SteppingClock(START)
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    app.ensure_default_catalog(JINAN)
    store = KeyStore(tmp_path / "keys", kdf_cost=14)  # scrypt 2^14: see tests/keys/conftest.py
    store.init_root(ROOT_PASS, "test root", now=START - timedelta(days=1))
    o = Office(app, store, clock, tmp_path)
    o.new_key()
    return o


@pytest.fixture
def signed_proof(office: Office) -> Callable[[str], SignedDocument]:
    def make(number: str = "1915010000000731") -> SignedDocument:
        office.issue(number)
        return office.prove_signed(number)

    return make


def cwt_payload(raw: bytes, public: ec.EllipticCurvePublicKey, kid: str) -> bytes | None:
    """What cwt (the library that signs tokens) makes of one checked with the key its key id names:
    the payload, or None when it refuses. The tests hold signing.token's own check to its answers."""
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        return bytes(COSE.new().decode(raw, COSEKey.from_pem(pem, alg="ES256", kid=bytes.fromhex(kid))))
    except Exception:  # cwt's VerifyError and DecodeError kinds
        return None


def signed_by_a_stranger(size: tuple[float, float] = (595, 842), contents: bytes | None = None) -> bytes:
    """One page of `size` points signed by a self-made certificate no root of ours issued: what anyone can
    upload. `contents`: the page's content stream, already flate-compressed (a decompression bomb)."""
    from io import BytesIO

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID
    from pypdf import PdfWriter
    from pypdf.generic import EncodedStreamObject, NameObject

    from signing.pdfsign import PdfSigner

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "济南市人才服务中心")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    writer = PdfWriter()
    page = writer.add_blank_page(*size)
    if contents is not None:
        stream = EncodedStreamObject()
        stream._data = contents  # already encoded: written as it is
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(stream)
    blank = BytesIO()
    writer.write(blank)
    return PdfSigner(key, pem, [pem], office_name="stranger").sign(blank.getvalue())
