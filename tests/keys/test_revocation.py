"""The root's keeper revokes a publisher certificate with a CRL the root signs; every loader of a trust list given
that CRL refuses a list the revoked publisher signed, and a new publisher's fresh list is accepted (issue 12)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509

from keys.enrol import install, load_publisher, request_key
from keys.errors import InvalidKeyInput, TrustListUnverified
from keys.keeper import certify, revocations, revoke_publisher
from keys.revocation import CRL_FILE, PublisherRevoked
from keys.roles import LoadedPublisher
from keys.store import KeyStore
from keys.trustlist import build_trust_list, load_trust_list
from tests.keys.conftest import ROOT_CREATED, ROOT_PASSPHRASE
from tests.keys.test_keeper import NOW, UNTIL, _certify_office, _pin, _view

STOLEN = "publisher tiger lily"
FRESH = "publisher new moon rising"


def _publisher(keeper: KeyStore, directory: Path, passphrase: str) -> tuple[LoadedPublisher, int]:
    store = KeyStore(directory)
    certified = certify(keeper, request_key(store, passphrase, office=None), ROOT_PASSPHRASE, not_before=NOW,
                        not_after=UNTIL)
    install(store, certified.certificate_pem, now=NOW, root_pem=_pin(keeper))
    return load_publisher(store, passphrase, NOW), certified.serial


def _list(keeper: KeyStore, office: KeyStore, publisher: LoadedPublisher, hours: int = 1) -> bytes:
    kid = office.list_kids()[0]
    return build_trust_list([_view(office, kid, "1501")], publisher, issuer="test",
                            issued_at=NOW + timedelta(hours=hours))


@pytest.fixture
def office(tmp_path: Path, keeper: KeyStore) -> KeyStore:
    store = KeyStore(tmp_path / "office")
    install(store, _certify_office(keeper, store), now=NOW, root_pem=_pin(keeper))
    return store


def _crl(keeper: KeyStore) -> bytes:
    return (keeper.directory / CRL_FILE).read_bytes()


def test_a_list_the_stolen_publisher_signs_is_accepted_without_the_crl_and_refused_with_it(
        tmp_path: Path, keeper: KeyStore, office: KeyStore) -> None:
    stolen, serial = _publisher(keeper, tmp_path / "old-publisher", STOLEN)
    honest = _list(keeper, office, stolen)
    crl, entry = revoke_publisher(keeper, f"{serial:x}", ROOT_PASSPHRASE, reason="key-compromise",
                                  now=NOW + timedelta(days=1))
    assert crl.number == 1 and set(crl.entries) == {serial} and entry == 3  # office, publisher certified; revoked
    forged = _list(keeper, office, stolen, hours=2)  # the thief signs after the revocation, dated before it
    assert load_trust_list(forged, _pin(keeper)).keys  # the attack, without the defence: accepted
    for data in (forged, honest):  # with the CRL, whatever date the list claims
        with pytest.raises(PublisherRevoked, match=f"serial {serial:x}.* revoked by the root .*key-compromise"):
            load_trust_list(data, _pin(keeper), _crl(keeper))
    fresh, _ = _publisher(keeper, tmp_path / "new-publisher", FRESH)
    assert load_trust_list(_list(keeper, office, fresh, hours=30), _pin(keeper), _crl(keeper)).keys


def test_the_crl_is_numbered_cumulative_and_only_the_roots(tmp_path: Path, keeper: KeyStore, office: KeyStore) -> None:
    first, one = _publisher(keeper, tmp_path / "p1", STOLEN)
    _, two = _publisher(keeper, tmp_path / "p2", FRESH)
    revoke_publisher(keeper, f"{one:x}", ROOT_PASSPHRASE, reason="superseded", now=NOW)
    crl, _ = revoke_publisher(keeper, f"{two:x}", ROOT_PASSPHRASE, reason="key-compromise", now=NOW)
    assert crl.number == 2 and {r.reason for r in crl.entries.values()} == {"superseded", "key-compromise"}
    assert revocations(keeper).entries.keys() == {one, two}
    other = KeyStore(tmp_path / "other-root")
    other.init_root(ROOT_PASSPHRASE, "certledger test root", now=ROOT_CREATED)  # the same name, another key
    _, three = _publisher(other, tmp_path / "p3", FRESH)
    revoke_publisher(other, f"{three:x}", ROOT_PASSPHRASE, reason="unspecified", now=NOW)
    with pytest.raises(TrustListUnverified, match="root CRL: its signature does not verify"):
        load_trust_list(_list(keeper, office, first), _pin(keeper), (other.directory / CRL_FILE).read_bytes())


def test_the_keeper_revokes_only_a_publisher_it_issued_and_only_once(tmp_path: Path, keeper: KeyStore,
                                                                      office: KeyStore) -> None:
    _, serial = _publisher(keeper, tmp_path / "p", STOLEN)
    office_serial = x509.load_pem_x509_certificate(office.certificate_pem(office.list_kids()[0]).encode()).serial_number
    with pytest.raises(InvalidKeyInput, match="an office key's certificate"):
        revoke_publisher(keeper, f"{office_serial:x}", ROOT_PASSPHRASE, reason="key-compromise", now=NOW)
    with pytest.raises(InvalidKeyInput, match="no certificate this keeper issued"):
        revoke_publisher(keeper, "abc123", ROOT_PASSPHRASE, reason="key-compromise", now=NOW)
    with pytest.raises(InvalidKeyInput, match="reason: one of"):
        revoke_publisher(keeper, f"{serial:x}", ROOT_PASSPHRASE, reason="lost it", now=NOW)
    revoke_publisher(keeper, f"{serial:x}", ROOT_PASSPHRASE, reason="key-compromise", now=NOW)
    with pytest.raises(InvalidKeyInput, match="already revoked"):
        revoke_publisher(keeper, f"{serial:x}", ROOT_PASSPHRASE, reason="key-compromise", now=NOW)
    assert not list(keeper.directory.glob(".*.tmp"))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_crl_and_refuses_the_revoked_publisher(tmp_path: Path, keeper: KeyStore) -> None:
    """An independent implementation: OpenSSL checks the CRL's signature and applies it in path validation."""
    old, serial = _publisher(keeper, tmp_path / "p1", STOLEN)
    new, _ = _publisher(keeper, tmp_path / "p2", FRESH)
    revoke_publisher(keeper, f"{serial:x}", ROOT_PASSPHRASE, reason="key-compromise", now=NOW)
    root, crl = keeper.directory / "root.cert.pem", keeper.directory / CRL_FILE
    r = subprocess.run(["openssl", "crl", "-in", str(crl), "-CAfile", str(root), "-noout"], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0 and "verify OK" in r.stderr + r.stdout, r.stderr
    for publisher, name in ((old, "old.pem"), (new, "new.pem")):
        (tmp_path / name).write_bytes(_pem(publisher))
    at = str(int((NOW + timedelta(days=1)).timestamp()))  # inside the certificates' validity
    base = ["openssl", "verify", "-crl_check", "-attime", at, "-CAfile", str(root), "-CRLfile", str(crl)]
    revoked = subprocess.run([*base, str(tmp_path / "old.pem")], capture_output=True, text=True, check=False)
    assert revoked.returncode != 0 and "certificate revoked" in revoked.stdout + revoked.stderr, revoked.stdout
    good = subprocess.run([*base, str(tmp_path / "new.pem")], capture_output=True, text=True, check=False)
    assert good.returncode == 0 and ": OK" in good.stdout, good.stdout + good.stderr


def _pem(publisher: LoadedPublisher) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return publisher.certificate.public_bytes(serialization.Encoding.PEM)
