"""Operator credentials: issued by the office key, kept encrypted 0600 in a 0700 directory under safe names,
loaded only with the operator's passphrase; the audit's verifier checks their chain and signatures."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from keys.credentials import CredentialStore, SaveVerifier
from keys.errors import KeyFileUnsafe, WrongPassphrase
from keys.store import KeyStore
from tests.conftest import SigningOffices

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def pki(tmp_path: Path) -> SigningOffices:
    return SigningOffices(tmp_path / "pki", NOW)


def test_a_credential_names_operator_and_office_and_is_issued_by_the_office_key(pki: SigningOffices) -> None:
    cred = pki.credential("1501", "张三")
    key, _ = pki.office_key("1501")
    held = cred.held
    assert (held.operator, held.office, held.issuer_kid) == ("张三", "1501", key.kid)
    assert pki.verifier.describe(held.certificate_pem) == (held.credential, "张三", "1501", held.not_before,
                                                           held.not_after)
    assert pki.verifier.issued_by(held.certificate_pem, key.certificate_pem)
    assert pki.verifier.issued_by(key.certificate_pem)  # the office key chains to the pinned root
    other, _ = pki.office_key("0700")
    assert not pki.verifier.issued_by(held.certificate_pem, other.certificate_pem)
    assert not pki.verifier.issued_by(held.certificate_pem)  # not by the root itself
    assert pki.verifier.verifies(held.certificate_pem, b"save", cred.sign(b"save"))
    assert not pki.verifier.verifies(held.certificate_pem, b"other save", cred.sign(b"save"))


def test_files_are_private_never_overwritten_and_named_without_the_operators_name(pki: SigningOffices) -> None:
    pki.credential("1501", "张三")
    directory = pki.credentials.directory
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    names = sorted(p.name for p in directory.iterdir())
    assert len(names) == 2 and all(n.isascii() for n in names)
    assert all(stat.S_IMODE((directory / n).stat().st_mode) == 0o600 for n in names)
    assert [h.operator for h in pki.credentials.held()] == ["张三"]


def test_a_credential_loads_only_with_its_passphrase_and_never_through_a_symlink(pki: SigningOffices,
                                                                                tmp_path: Path) -> None:
    cred = pki.credential("1501", "张三")
    with pytest.raises(WrongPassphrase):
        pki.credentials.load(cred.held, "guess")
    key_file = pki.credentials.directory / f"{cred.credential[:16]}.key.pem"
    moved = tmp_path / "elsewhere.pem"
    key_file.rename(moved)
    os.symlink(moved, key_file)
    with pytest.raises(KeyFileUnsafe):
        pki.credentials.load(cred.held, pki.OPERATOR)


def test_another_roots_office_key_does_not_chain(tmp_path: Path, pki: SigningOffices) -> None:
    rogue = KeyStore(tmp_path / "rogue")
    rogue.init_root("rogue-root-passphrase", "rogue", now=NOW - timedelta(days=1))
    key = rogue.generate_office_key("1501", "济南", "rogue-root-passphrase", "rogue-key-passphrase", not_before=NOW,
                                    not_after=NOW + timedelta(days=10))
    held = CredentialStore(tmp_path / "rc", kdf_cost=14).issue(rogue.load_signer(key.kid, "rogue-key-passphrase"),
                                                               "冒名", "rogue-operator-passphrase", now=NOW)
    assert not pki.verifier.issued_by(key.certificate_pem)
    assert SaveVerifier(rogue.root_certificate_pem()).issued_by(held.certificate_pem, key.certificate_pem)
