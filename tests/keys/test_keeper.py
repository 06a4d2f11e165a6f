"""The root's keeper: requests made by an office, certified in the root's own directory, installed by the office;
the publisher's role, and what the trust list's verifier refuses (issue 12, item 4 and attack 2)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from keys.algorithms import ES256
from keys.certificates import DOCUMENT_SIGNING, TRUST_LIST_SIGNING, has_usage
from keys.enrol import install, load_publisher, pending_requests, request_key
from keys.errors import CertificateRefused, InvalidKeyInput, KeyRequestInvalid, KeysError, TrustListUnverified
from keys.keeper import certify, issued
from keys.requests import make_request, read_request
from keys.roles import LoadedPublisher
from keys.store import KeyStore
from keys.trustlist import build_trust_list, load_trust_list
from ledger.views import SigningKeyView
from tests.keys.conftest import KEY_PASSPHRASE, ROOT_CREATED, ROOT_PASSPHRASE

NOW = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
UNTIL = datetime(2027, 5, 1, 8, 0, tzinfo=UTC)
PUBLISHER_PASSPHRASE = "publisher tiger lily"
JINAN = "济南市人才服务中心"


@pytest.fixture
def office(tmp_path: Path) -> KeyStore:
    """The office's key directory: never holds the root's key."""
    return KeyStore(tmp_path / "office")


def _pin(keeper: KeyStore) -> bytes:
    return keeper.root_certificate_pem().encode()


def _certify_office(keeper: KeyStore, office: KeyStore, code: str = "1501", name: str = JINAN) -> str:
    request = request_key(office, KEY_PASSPHRASE, office=code, office_name=name)
    return certify(keeper, read_request(request.pem), ROOT_PASSPHRASE, not_before=NOW, not_after=UNTIL,
                   office_name=name).certificate_pem


def _publisher(keeper: KeyStore, office: KeyStore) -> LoadedPublisher:
    request = request_key(office, PUBLISHER_PASSPHRASE, office=None)
    certified = certify(keeper, request, ROOT_PASSPHRASE, not_before=NOW, not_after=UNTIL)
    install(office, certified.certificate_pem, now=NOW, root_pem=_pin(keeper))
    return load_publisher(office, PUBLISHER_PASSPHRASE, NOW)


def _view(store: KeyStore, kid: str, office: str | None = None) -> SigningKeyView:
    key = store.office_key(kid)
    return SigningKeyView(kid=key.kid, office=office or key.office, algorithm=key.algorithm,
                          public_key_pem=key.public_key_pem, certificate_pem=key.certificate_pem,
                          not_before=key.not_before, not_after=key.not_after, registered_at=key.not_before,
                          retired_at=None, compromised_at=None, revocation_reason=None)


# -- the honest path ----------------------------------------------------------------------


def test_an_office_key_is_requested_certified_elsewhere_and_installed(keeper: KeyStore, office: KeyStore) -> None:
    request = request_key(office, KEY_PASSPHRASE, office="1501", office_name=JINAN)
    assert [r.kid for r in pending_requests(office)] == [request.kid] and office.list_kids() == []
    assert not (office.directory / "root.key.pem").exists()  # the office never held the root's key
    certified = certify(keeper, read_request(request.pem), ROOT_PASSPHRASE, not_before=NOW, not_after=UNTIL,
                        office_name=JINAN, expect_kid=request.kid)
    assert issued(keeper) == [certified.certificate_pem]  # the keeper's own record of what the root vouched for
    installed = install(office, certified.certificate_pem, now=NOW, root_pem=_pin(keeper))
    assert installed.root_pinned and installed.office_key is not None and installed.office_key.office == "1501"
    assert office.list_kids() == [request.kid] and pending_requests(office) == []
    signer = office.load_signer(request.kid, KEY_PASSPHRASE)  # decrypts, and chains to the pinned root
    assert signer.office == "1501" and signer.certificate.not_valid_before_utc == NOW
    assert has_usage(signer.certificate, DOCUMENT_SIGNING) and not has_usage(signer.certificate, TRUST_LIST_SIGNING)


def test_a_publisher_signed_trust_list_carries_its_chain_and_loads(keeper: KeyStore, office: KeyStore) -> None:
    kid = install(office, _certify_office(keeper, office), now=NOW, root_pem=_pin(keeper)).kid
    publisher = _publisher(keeper, office)
    token = build_trust_list([_view(office, kid)], publisher, issuer="test", issued_at=NOW)
    header = jwt.get_unverified_header(token)
    assert [base64.b64decode(c) for c in header["x5c"]] == publisher.chain_der
    assert list(load_trust_list(token, _pin(keeper)).keys) == [kid]


def test_a_list_the_root_signed_itself_is_still_accepted(keeper: KeyStore, office: KeyStore) -> None:
    """The lists from before the publisher: the root could certify any publisher, so its own signature admits
    nothing more; new lists are the publisher's."""
    kid = install(office, _certify_office(keeper, office), now=NOW, root_pem=_pin(keeper)).kid
    token = build_trust_list([_view(office, kid)], keeper.load_root(ROOT_PASSPHRASE), issuer="test", issued_at=NOW)
    assert list(load_trust_list(token, _pin(keeper)).keys) == [kid]


# -- requests the keeper refuses ----------------------------------------------------------


def test_a_request_altered_on_its_way_is_refused(office: KeyStore) -> None:
    """Attack: rewrite OU 1501 to 0700 in a genuine request, so the keeper certifies 1501's key for 0700."""
    request = request_key(office, KEY_PASSPHRASE, office="1501", office_name=JINAN)
    der = x509.load_pem_x509_csr(request.pem.encode()).public_bytes(serialization.Encoding.DER)
    assert der.count(b"1501") == 1
    forged = der.replace(b"1501", b"0700")
    forged_pem = b"-----BEGIN CERTIFICATE REQUEST-----\n" + base64.encodebytes(forged) + \
        b"-----END CERTIFICATE REQUEST-----\n"
    assert x509.load_pem_x509_csr(forged_pem).subject != x509.load_pem_x509_csr(request.pem.encode()).subject
    with pytest.raises(KeyRequestInvalid, match="signature does not verify"):
        read_request(forged_pem)


def test_a_swapped_request_is_refused_when_the_keeper_has_the_kid(keeper: KeyStore, office: KeyStore,
                                                                  tmp_path: Path) -> None:
    genuine = request_key(office, KEY_PASSPHRASE, office="1501", office_name=JINAN)
    swapped = request_key(KeyStore(tmp_path / "intruder"), KEY_PASSPHRASE, office="1501", office_name=JINAN)
    with pytest.raises(KeyRequestInvalid, match="swapped"):
        certify(keeper, swapped, ROOT_PASSPHRASE, not_before=NOW, not_after=UNTIL, office_name=JINAN,
                expect_kid=genuine.kid)


@pytest.mark.parametrize("subject, message", [
    ([("C", "CN"), ("O", "certledger deployment"), ("OU", "15x1"), ("CN", JINAN)], "not a 4-digit office code"),
    ([("C", "CN"), ("O", "somebody else"), ("OU", "1501"), ("CN", JINAN)], "and O 'certledger deployment'"),
    ([("C", "CN"), ("O", "certledger deployment"), ("CN", "a publisher I made up")], "publisher request"),
    ([("O", "certledger deployment"), ("C", "CN"), ("OU", "1501"), ("CN", JINAN)], "exactly C, O, \\[OU,\\] CN"),
])
def test_a_request_of_another_form_is_refused(subject: list[tuple[str, str]], message: str) -> None:
    oids = {"C": x509.NameOID.COUNTRY_NAME, "O": x509.NameOID.ORGANIZATION_NAME,
            "OU": x509.NameOID.ORGANIZATIONAL_UNIT_NAME, "CN": x509.NameOID.COMMON_NAME}
    key = ES256.generate()
    name = x509.Name([x509.NameAttribute(oids[k], v) for k, v in subject])
    pem = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, ES256.x509_hash)  # type: ignore[arg-type]
    with pytest.raises(KeyRequestInvalid, match=message):
        read_request(pem.public_bytes(serialization.Encoding.PEM))


def test_a_request_asking_for_its_own_extensions_is_refused() -> None:
    key = ES256.generate()
    good = x509.load_pem_x509_csr(make_request(key, "1501", JINAN).encode())
    csr = (x509.CertificateSigningRequestBuilder().subject_name(good.subject)
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
           .sign(key, ES256.x509_hash))  # type: ignore[arg-type]
    with pytest.raises(KeyRequestInvalid, match="extensions"):
        read_request(csr.public_bytes(serialization.Encoding.PEM))


def test_the_keeper_refuses_a_name_that_is_not_the_offices(keeper: KeyStore, office: KeyStore) -> None:
    request = request_key(office, KEY_PASSPHRASE, office="1501", office_name="辽宁省职业技能鉴定中心")
    with pytest.raises(KeyRequestInvalid, match="is not the name of office 1501"):
        certify(keeper, request, ROOT_PASSPHRASE, not_before=NOW, not_after=UNTIL, office_name=JINAN)


def test_certifying_needs_the_root_passphrase(keeper: KeyStore, office: KeyStore) -> None:
    request = request_key(office, KEY_PASSPHRASE, office="1501", office_name=JINAN)
    with pytest.raises(KeysError):
        certify(keeper, request, KEY_PASSPHRASE, not_before=NOW, not_after=UNTIL, office_name=JINAN)


# -- certificates the office refuses to install ------------------------------------------


def test_a_certificate_from_another_root_is_refused(keeper: KeyStore, office: KeyStore, tmp_path: Path) -> None:
    """Attack 2 without the keeper: an office with only its own passphrases makes its own root and certifies
    its own request. The certificate is well formed; the pinned root refuses it."""
    install(office, _certify_office(keeper, office), now=NOW, root_pem=_pin(keeper))  # pins the real root
    own = KeyStore(tmp_path / "own-root")
    own.init_root(KEY_PASSPHRASE, "certledger test root", now=ROOT_CREATED)
    request = request_key(office, KEY_PASSPHRASE, office="0700", office_name="辽宁省职业技能鉴定中心")
    forged = certify(own, request, KEY_PASSPHRASE, not_before=NOW, not_after=UNTIL)
    with pytest.raises(CertificateRefused, match="not issued by the pinned root"):
        install(office, forged.certificate_pem, now=NOW)
    with pytest.raises(CertificateRefused, match="not the root pinned"):
        install(office, forged.certificate_pem, now=NOW, root_pem=own.root_certificate_pem().encode())
    assert not (office.directory / f"{request.kid}.cert.pem").exists()


def test_a_certificate_for_a_key_not_pending_here_is_refused(keeper: KeyStore, office: KeyStore,
                                                             tmp_path: Path) -> None:
    elsewhere = _certify_office(keeper, KeyStore(tmp_path / "another-office"))
    with pytest.raises(CertificateRefused, match="is not pending"):
        install(office, elsewhere, now=NOW, root_pem=_pin(keeper))


def test_a_certificate_is_installed_once(keeper: KeyStore, office: KeyStore) -> None:
    certificate = _certify_office(keeper, office)
    install(office, certificate, now=NOW, root_pem=_pin(keeper))
    with pytest.raises(KeysError, match="already has its certificate"):
        install(office, certificate, now=NOW)


# -- roles: an office key is no publisher, a publisher key no office key ------------------


def test_an_office_key_does_not_verify_as_the_publisher(keeper: KeyStore, office: KeyStore) -> None:
    kid = install(office, _certify_office(keeper, office), now=NOW, root_pem=_pin(keeper)).kid
    signer = office.load_signer(kid, KEY_PASSPHRASE)
    impostor = LoadedPublisher(private_key=signer.private_key, certificate=signer.certificate,
                               root_certificate=signer.root_certificate)
    with pytest.raises(InvalidKeyInput, match="not a publisher certificate"):
        build_trust_list([_view(office, kid)], impostor, issuer="test", issued_at=NOW)
    # Signed by hand (what an office holding only its key could do): the signature holds, the role does not.
    body = json.dumps({"version": 1}).encode()
    token = jwt.api_jws.PyJWS().encode(body, signer.private_key, algorithm="ES256",  # type: ignore[arg-type]
                                       headers={"typ": "certledger-trust-list+jws",
                                                "x5c": [base64.b64encode(d).decode() for d in impostor.chain_der]})
    assert jwt.api_jws.PyJWS().decode(token, signer.public_key, algorithms=["ES256"]) == body  # without the defence
    with pytest.raises(TrustListUnverified, match="not a publisher certificate"):
        load_trust_list(token, _pin(keeper))


def test_the_publisher_cannot_add_a_key_or_move_one_to_another_office(keeper: KeyStore, office: KeyStore) -> None:
    kid = install(office, _certify_office(keeper, office), now=NOW, root_pem=_pin(keeper)).kid
    publisher = _publisher(keeper, office)
    listed_as_office = SigningKeyView(
        kid=publisher.kid, office="1501", algorithm="ES256",
        public_key_pem=publisher.certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
        certificate_pem=publisher.certificate.public_bytes(serialization.Encoding.PEM).decode(),
        not_before=NOW, not_after=UNTIL, registered_at=NOW, retired_at=None, compromised_at=None,
        revocation_reason=None)
    with pytest.raises(InvalidKeyInput, match="not an office signing certificate"):
        build_trust_list([listed_as_office], publisher, issuer="test", issued_at=NOW)
    with pytest.raises(InvalidKeyInput, match="names office 1501, the entry office 0700"):
        build_trust_list([_view(office, kid, office="0700")], publisher, issuer="test", issued_at=NOW)


def test_a_list_issued_outside_the_publishers_validity_is_refused(keeper: KeyStore, office: KeyStore) -> None:
    kid = install(office, _certify_office(keeper, office), now=NOW, root_pem=_pin(keeper)).kid
    publisher = _publisher(keeper, office)
    with pytest.raises(InvalidKeyInput, match="outside its publisher certificate's validity"):
        build_trust_list([_view(office, kid)], publisher, issuer="test", issued_at=UNTIL + timedelta(days=1))
