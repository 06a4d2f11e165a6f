"""The key store: encrypted 0600 key files, passphrases, the root CA and office certificates."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from keys.algorithms import ES256
from keys.certificates import DOCUMENT_SIGNING
from keys.errors import InvalidKeyInput, KeyExists, KeyFileUnsafe, KeyNotFound, KeysError, WrongPassphrase
from keys.store import KeyStore, OfficeKey
from tests.keys.conftest import KEY_PASSPHRASE, NOT_AFTER, NOT_BEFORE, ROOT_CREATED, ROOT_PASSPHRASE


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cert(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


# -- key files on disk ----------------------------------------------------------------------


def test_private_key_files_are_0600_and_the_directory_0700(store: KeyStore, office_key: OfficeKey) -> None:
    assert _mode(store.directory) == 0o700
    assert _mode(store.directory / "root.key.pem") == 0o600
    assert _mode(store.directory / f"{office_key.kid}.key.pem") == 0o600


def test_key_files_are_0600_even_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        keystore = KeyStore(tmp_path / "keys")
        keystore.init_root(ROOT_PASSPHRASE, "root", now=ROOT_CREATED)
    finally:
        os.umask(old)
    assert _mode(keystore.directory / "root.key.pem") == 0o600
    assert _mode(keystore.directory) == 0o700


def test_private_key_files_are_encrypted(store: KeyStore, office_key: OfficeKey) -> None:
    # Sealed with scrypt and AES-256-GCM (keys.sealed) since issue 12; before, encrypted PKCS#8.
    for name in ("root.key.pem", f"{office_key.kid}.key.pem"):
        data = (store.directory / name).read_bytes()
        assert data.startswith(b"-----BEGIN CERTLEDGER SEALED PRIVATE KEY-----")
        assert b"BEGIN PRIVATE KEY" not in data and b"BEGIN EC PRIVATE KEY" not in data
        with pytest.raises(ValueError):
            serialization.load_pem_private_key(data, password=None)


def test_a_key_file_stored_unencrypted_is_refused_before_any_decryption(store: KeyStore,
                                                                        office_key: OfficeKey) -> None:
    path = store.directory / f"{office_key.kid}.key.pem"
    key = store.load_signer(office_key.kid, KEY_PASSPHRASE).private_key
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    with pytest.raises(KeysError, match="is not an encrypted private key"):
        store.load_signer(office_key.kid, KEY_PASSPHRASE)


def test_loading_a_key_without_its_passphrase_is_refused(store: KeyStore, office_key: OfficeKey) -> None:
    with pytest.raises(InvalidKeyInput, match="empty passphrase"):
        store.load_signer(office_key.kid, "")
    with pytest.raises(InvalidKeyInput, match="empty passphrase"):
        store.load_root("")


def test_a_wrong_passphrase_raises_wrong_passphrase_with_a_clear_message(store: KeyStore,
                                                                        office_key: OfficeKey) -> None:
    with pytest.raises(WrongPassphrase) as caught:
        store.load_signer(office_key.kid, "not the passphrase")
    message = str(caught.value)
    assert message == f"wrong passphrase for signing key {office_key.kid}"
    assert caught.value.to_dict() == {"error": "wrong_passphrase", "message": message}
    # No chained cryptography exception for a traceback to show.
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_wrong_root_passphrase_refuses_an_office_key_and_writes_nothing(store: KeyStore) -> None:
    before = sorted(p.name for p in store.directory.iterdir())
    with pytest.raises(WrongPassphrase, match="wrong passphrase for the root key"):
        store.generate_office_key("1501", "office", "not the root passphrase", KEY_PASSPHRASE,
                                  not_before=NOT_BEFORE, not_after=NOT_AFTER)
    assert sorted(p.name for p in store.directory.iterdir()) == before
    assert store.list_kids() == []


def test_an_empty_passphrase_is_refused_when_creating_keys(tmp_path: Path, store: KeyStore) -> None:
    with pytest.raises(InvalidKeyInput, match="root passphrase"):
        KeyStore(tmp_path / "other").init_root("", "root", now=ROOT_CREATED)
    with pytest.raises(InvalidKeyInput, match="key passphrase"):
        store.generate_office_key("1501", "office", ROOT_PASSPHRASE, "", not_before=NOT_BEFORE, not_after=NOT_AFTER)
    assert not (tmp_path / "other" / "root.key.pem").exists()


def test_a_group_readable_key_file_is_refused(store: KeyStore, office_key: OfficeKey) -> None:
    path = store.directory / f"{office_key.kid}.key.pem"
    path.chmod(0o644)
    with pytest.raises(KeyFileUnsafe, match=r"readable by group or others \(mode 0644\); chmod 600"):
        store.load_signer(office_key.kid, KEY_PASSPHRASE)
    path.chmod(0o600)
    assert store.load_signer(office_key.kid, KEY_PASSPHRASE).kid == office_key.kid


def test_a_group_readable_root_key_is_refused(store: KeyStore) -> None:
    (store.directory / "root.key.pem").chmod(0o640)
    with pytest.raises(KeyFileUnsafe):
        store.load_root(ROOT_PASSPHRASE)


def test_a_symlinked_key_file_is_refused(store: KeyStore, office_key: OfficeKey) -> None:
    path = store.directory / f"{office_key.kid}.key.pem"
    target = store.directory / "elsewhere.pem"
    path.rename(target)
    path.symlink_to(target)
    with pytest.raises(KeyFileUnsafe, match="symbolic link"):
        store.load_signer(office_key.kid, KEY_PASSPHRASE)


def test_a_key_directory_open_to_others_is_refused_for_new_keys(tmp_path: Path) -> None:
    directory = tmp_path / "shared"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    with pytest.raises(KeyFileUnsafe, match="chmod 700"):
        KeyStore(directory).init_root(ROOT_PASSPHRASE, "root", now=ROOT_CREATED)
    assert list(directory.iterdir()) == []


def test_init_root_refuses_to_overwrite_an_existing_root(store: KeyStore) -> None:
    key_before = (store.directory / "root.key.pem").read_bytes()
    cert_before = store.root_certificate_pem()
    with pytest.raises(KeyExists, match="already has a root"):
        store.init_root("another passphrase", "another root", now=ROOT_CREATED)
    assert (store.directory / "root.key.pem").read_bytes() == key_before
    assert store.root_certificate_pem() == cert_before
    store.load_root(ROOT_PASSPHRASE)


def test_errors_are_one_line_and_share_one_root(store: KeyStore) -> None:
    with pytest.raises(KeysError) as caught:
        store.load_signer("0123456789abcdef", KEY_PASSPHRASE)
    assert isinstance(caught.value, KeyNotFound)
    assert "\n" not in str(caught.value)


def test_an_unknown_or_path_like_kid_is_not_found(store: KeyStore) -> None:
    for kid in ("0123456789abcdef", "../keys/root", "root", "0123456789ABCDEF"):
        with pytest.raises(KeyNotFound):
            store.load_signer(kid, KEY_PASSPHRASE)
        with pytest.raises(KeyNotFound):
            store.certificate_pem(kid)


def test_a_store_without_a_root_says_so(tmp_path: Path) -> None:
    keystore = KeyStore(tmp_path / "empty")
    with pytest.raises(KeyNotFound, match="has no root yet"):
        keystore.root_certificate_pem()
    assert keystore.list_kids() == []


# -- the root certificate ------------------------------------------------------------------


def test_the_root_is_a_self_signed_p256_ca(store: KeyStore) -> None:
    root = _cert(store.root_certificate_pem())
    root.verify_directly_issued_by(root)
    assert root.subject.rfc4514_string() == "CN=certledger test root,O=certledger deployment,C=CN"
    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert ES256.matches(root.public_key())
    assert root.not_valid_before_utc == ROOT_CREATED
    assert root.not_valid_after_utc == datetime(2044, 1, 1, tzinfo=UTC)


def test_root_info_names_the_certificate_fingerprint(store: KeyStore) -> None:
    info = store.root_info()
    der = _cert(store.root_certificate_pem()).public_bytes(serialization.Encoding.DER)
    assert info.fingerprint_sha256 == hashlib.sha256(der).hexdigest()
    assert info.certificate_pem == store.root_certificate_pem()


# -- office keys ---------------------------------------------------------------------------


def test_the_office_certificate_chains_to_the_root(store: KeyStore, office_key: OfficeKey) -> None:
    root = _cert(store.root_certificate_pem())
    certificate = _cert(office_key.certificate_pem)
    certificate.verify_directly_issued_by(root)  # raises if the root's signature does not verify
    assert certificate.issuer == root.subject
    aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest


def test_another_roots_office_certificate_does_not_chain_to_this_root(tmp_path: Path, store: KeyStore,
                                                                      office_key: OfficeKey) -> None:
    other = KeyStore(tmp_path / "other")
    other.init_root(ROOT_PASSPHRASE, "certledger test root", now=ROOT_CREATED)  # same name, other key
    with pytest.raises(Exception):  # noqa: B017  cryptography raises InvalidSignature here
        _cert(office_key.certificate_pem).verify_directly_issued_by(_cert(other.root_certificate_pem()))


def test_the_office_certificate_is_an_end_entity_for_document_signing(office_key: OfficeKey) -> None:
    certificate = _cert(office_key.certificate_pem)
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "济南市职业技能鉴定指导中心"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "1501"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "certledger deployment"
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING}
    assert certificate.not_valid_before_utc == NOT_BEFORE == office_key.not_before
    assert certificate.not_valid_after_utc == NOT_AFTER == office_key.not_after


def _validate(certificate_pem: str, root_pem: str, moment: datetime) -> object:
    context = ValidationContext(trust_roots=[_asn1(_cert(root_pem))], moment=moment)
    validator = CertificateValidator(_asn1(_cert(certificate_pem)), validation_context=context)
    # pyHanko's own signer policy wants nonRepudiation; asn1crypto knows documentSigning only by its OID.
    return asyncio.run(validator.async_validate_usage({"non_repudiation", "digital_signature"},
                                                      extended_key_usage={DOCUMENT_SIGNING.dotted_string}))


def test_pyhanko_certvalidator_accepts_the_office_certificate_inside_its_window(store: KeyStore,
                                                                               office_key: OfficeKey) -> None:
    path = _validate(office_key.certificate_pem, store.root_certificate_pem(), datetime(2025, 1, 1, tzinfo=UTC))
    assert len(path) == 2  # type: ignore[arg-type]


def test_pyhanko_certvalidator_refuses_it_outside_its_window_or_under_another_root(
        tmp_path: Path, store: KeyStore, office_key: OfficeKey) -> None:
    with pytest.raises(PathValidationError):
        _validate(office_key.certificate_pem, store.root_certificate_pem(), NOT_AFTER + timedelta(days=1))
    other = KeyStore(tmp_path / "other")
    other.init_root(ROOT_PASSPHRASE, "another root", now=ROOT_CREATED)
    with pytest.raises(PathBuildingError):
        _validate(office_key.certificate_pem, other.root_certificate_pem(), datetime(2025, 1, 1, tzinfo=UTC))


def test_kid_is_the_spki_hash_and_stable(store: KeyStore, office_key: OfficeKey) -> None:
    public_key = serialization.load_pem_public_key(office_key.public_key_pem.encode())
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert office_key.kid == hashlib.sha256(spki).hexdigest()[:16]
    assert office_key.kid == office_key.kid.lower() and len(office_key.kid) == 16
    assert store.list_kids() == [office_key.kid]
    assert store.office_key(office_key.kid) == office_key
    assert store.load_signer(office_key.kid, KEY_PASSPHRASE).kid == office_key.kid
    assert store.load_signer(office_key.kid, KEY_PASSPHRASE).certificate_pem == office_key.certificate_pem


def test_each_new_office_key_gets_its_own_kid(store: KeyStore, office_key: OfficeKey) -> None:
    second = store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                       not_before=NOT_BEFORE, not_after=NOT_AFTER)
    assert second.kid != office_key.kid
    assert store.list_kids() == sorted([office_key.kid, second.kid])


def test_a_loaded_key_signs_raw_es256_that_its_certificate_verifies(store: KeyStore, office_key: OfficeKey) -> None:
    signer = store.load_signer(office_key.kid, KEY_PASSPHRASE)
    assert signer.office == "1501" and signer.algorithm == "ES256"
    assert signer.root_certificate == _cert(store.root_certificate_pem())
    signature = signer.sign(b"document bytes")
    assert len(signature) == 64
    public_key = _cert(office_key.certificate_pem).public_key()
    assert ES256.verify(public_key, b"document bytes", signature)
    assert not ES256.verify(public_key, b"document byteS", signature)


def test_a_loaded_key_does_not_show_its_private_key_in_repr(store: KeyStore, office_key: OfficeKey) -> None:
    text = repr(store.load_signer(office_key.kid, KEY_PASSPHRASE)) + repr(store.load_root(ROOT_PASSPHRASE))
    assert "private_key" not in text


def test_the_office_key_window_must_lie_within_the_root_validity(store: KeyStore) -> None:
    with pytest.raises(InvalidKeyInput, match="within the root's validity"):
        store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                  not_before=ROOT_CREATED - timedelta(days=1), not_after=NOT_AFTER)
    with pytest.raises(InvalidKeyInput, match="within the root's validity"):
        store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                  not_before=NOT_BEFORE, not_after=datetime(2045, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidKeyInput, match="not_after: must be after not_before"):
        store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                  not_before=NOT_AFTER, not_after=NOT_AFTER)
    assert store.list_kids() == []


def test_naive_datetimes_are_refused(tmp_path: Path, store: KeyStore) -> None:
    with pytest.raises(InvalidKeyInput, match="timezone-aware"):
        KeyStore(tmp_path / "other").init_root(ROOT_PASSPHRASE, "root", now=datetime(2024, 1, 1))
    with pytest.raises(InvalidKeyInput, match="timezone-aware"):
        store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                  not_before=datetime(2024, 3, 1), not_after=NOT_AFTER)


def test_the_window_is_kept_in_whole_seconds_so_ledger_and_certificate_agree(store: KeyStore) -> None:
    key = store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                    not_before=NOT_BEFORE + timedelta(microseconds=250),
                                    not_after=NOT_AFTER + timedelta(microseconds=999_999))
    certificate = _cert(key.certificate_pem)
    assert (key.not_before, key.not_after) == (NOT_BEFORE, NOT_AFTER)
    assert (certificate.not_valid_before_utc, certificate.not_valid_after_utc) == (NOT_BEFORE, NOT_AFTER)


def test_an_unknown_algorithm_is_refused(store: KeyStore) -> None:
    with pytest.raises(InvalidKeyInput, match="unknown signature algorithm 'SM2'; known: ES256"):
        store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                  not_before=NOT_BEFORE, not_after=NOT_AFTER, algorithm="SM2")


def test_a_key_directory_opened_up_later_is_refused_for_new_office_keys(store: KeyStore) -> None:
    store.directory.chmod(0o755)
    with pytest.raises(KeyFileUnsafe, match="open to group or others"):
        store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                  not_before=NOT_BEFORE, not_after=NOT_AFTER)
    assert store.list_kids() == []
