"""Attack 6: key files at rest. A one-character passphrase is refused for new keys; files are sealed with
scrypt (memory-hard) and AES-256-GCM in a versioned format whose parameters are authenticated; the old
PKCS#8 files still open (and say so); `rewrap` replaces a file atomically and a wrong passphrase leaves it
untouched."""

from __future__ import annotations

import base64
import os
import secrets
import stat
import warnings
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys.errors import InvalidKeyInput, KeyFileDamaged, WrongPassphrase
from keys.rewrap import key_files, rewrap
from keys.sealed import (
    DEFAULT_PARAMS,
    ScryptParams,
    check_passphrase_strength,
    is_legacy,
    open_ahead,
    open_private_key,
    scrypt_params,
    seal_private_key,
)
from keys.store import ROOT_KEY_FILE, KeyStore, LegacyKeyFile
from tests.keys.conftest import KEY_PASSPHRASE, NOT_AFTER, NOT_BEFORE, ROOT_CREATED, ROOT_PASSPHRASE

FAST = ScryptParams.of_cost(14)  # the format tests need not pay 128 MiB each time; the default is checked once


def spki(key: object) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER,  # type: ignore[attr-defined]
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("weak", ["a", "x" * 11, "password1234", "aaaaaaaaaaaaaaaaaaaa", "123456789012345",
                                  "certledger2026!"])
def test_a_weak_passphrase_is_refused_for_a_new_root_naming_field_and_rule(tmp_path: Path, weak: str) -> None:
    store = KeyStore(tmp_path / "keys")
    with pytest.raises(InvalidKeyInput, match=r"^root passphrase: .*at least 12 characters"):
        store.init_root(weak, "root", now=ROOT_CREATED)
    assert not (tmp_path / "keys").exists() or not any((tmp_path / "keys").iterdir())  # nothing written


def test_a_one_character_office_key_passphrase_is_refused_and_nothing_written(store: KeyStore) -> None:
    before = sorted(p.name for p in store.directory.iterdir())
    with pytest.raises(InvalidKeyInput, match="key passphrase: too short"):
        store.generate_office_key("1501", "office", ROOT_PASSPHRASE, "a", not_before=NOT_BEFORE,
                                  not_after=NOT_AFTER)
    assert sorted(p.name for p in store.directory.iterdir()) == before


def test_the_demo_passphrases_and_the_tests_ones_pass() -> None:
    for _ in range(20):
        check_passphrase_strength(secrets.token_urlsafe(18), "p")  # what scripts/demo.sh makes
    for p in (ROOT_PASSPHRASE, KEY_PASSPHRASE, "correct horse battery staple"):
        check_passphrase_strength(p, "p")


def test_new_key_files_are_sealed_with_scrypt_at_the_default_cost_and_mode_0600(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    store.init_root(ROOT_PASSPHRASE, "root", now=ROOT_CREATED)
    data = (store.directory / ROOT_KEY_FILE).read_bytes()
    assert data.startswith(b"-----BEGIN CERTLEDGER SEALED PRIVATE KEY-----\nFormat: certledger-sealed-key/1\n"
                           b"KDF: scrypt; n=131072; r=8; p=1\n")
    assert scrypt_params(data) == DEFAULT_PARAMS == ScryptParams(2 ** 17, 8, 1)
    assert b"Cipher: AES-256-GCM\n" in data and not is_legacy(data)
    assert stat.S_IMODE((store.directory / ROOT_KEY_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    store.load_root(ROOT_PASSPHRASE)  # and it opens


def test_the_sealed_format_authenticates_its_header_and_refuses_a_wrong_passphrase() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    data = seal_private_key(key, "a long enough passphrase", FAST)
    assert spki(open_private_key(data, "a long enough passphrase", "k")) == spki(key)
    with pytest.raises(WrongPassphrase, match="wrong passphrase for k"):
        open_private_key(data, "another passphrase", "k")
    lowered = data.replace(b"n=16384", b"n=32768")  # a header changed: its authentication fails
    with pytest.raises(WrongPassphrase):
        open_private_key(lowered, "a long enough passphrase", "k")
    with pytest.raises(KeyFileDamaged, match="outside what certledger writes or accepts"):
        open_private_key(data.replace(b"n=16384", b"n=2097152"), "a long enough passphrase", "k")
    with pytest.raises(KeyFileDamaged, match="unknown version"):
        open_private_key(data.replace(b"sealed-key/1", b"sealed-key/9"), "a long enough passphrase", "k")
    body_flipped = bytearray(data)
    body_flipped[-60] ^= 0x01
    with pytest.raises((WrongPassphrase, KeyFileDamaged)):
        open_private_key(bytes(body_flipped), "a long enough passphrase", "k")
    assert seal_private_key(key, "a long enough passphrase", FAST) != data  # fresh salt and nonce each time


def test_a_file_opened_ahead_gives_the_same_key_and_a_wrong_passphrase_ahead_or_after_is_still_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    data = seal_private_key(key, "a long enough passphrase", DEFAULT_PARAMS)
    salt = data.split(b"Salt: ")[1].split(b"\n")[0]
    expected = Scrypt(salt=base64.b64decode(salt), length=32, n=DEFAULT_PARAMS.n, r=DEFAULT_PARAMS.r,
                      p=DEFAULT_PARAMS.p).derive(b"a long enough passphrase")  # cryptography's own scrypt
    assert DEFAULT_PARAMS.derive("a long enough passphrase", base64.b64decode(salt)) == expected
    open_ahead(data, "a long enough passphrase")
    open_ahead(data, "a long enough passphrase")  # twice: one derivation
    assert spki(open_private_key(data, "a long enough passphrase", "k")) == spki(key)
    open_ahead(data, "a long enough passphrase")
    with pytest.raises(WrongPassphrase):  # begun with the right one, opened with another: derived again, refused
        open_private_key(data, "another passphrase", "k")
    open_ahead(data, "another passphrase")
    assert spki(open_private_key(data, "a long enough passphrase", "k")) == spki(key)  # the wrong one begun
    open_ahead(b"not a key file", "a long enough passphrase")  # nothing reported ahead: the open names it
    with pytest.raises(KeyFileDamaged):
        open_private_key(b"not a key file", "a long enough passphrase", "k")


def _make_legacy(store: KeyStore, name: str, passphrase: str) -> bytes:
    """Replace a key file by the same key as the previous main wrote it: PKCS#8, PBKDF2 at 2,048 iterations."""
    path = store.directory / name
    key = open_private_key(path.read_bytes(), passphrase, name)
    legacy = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(passphrase.encode()))
    path.write_bytes(legacy)
    os.chmod(path, 0o600)
    return legacy


def test_an_old_pkcs8_key_file_still_opens_and_says_it_should_be_rewrapped(store: KeyStore) -> None:
    legacy = _make_legacy(store, ROOT_KEY_FILE, ROOT_PASSPHRASE)
    assert is_legacy(legacy) and legacy.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.warns(LegacyKeyFile, match="keys rewrap"):
        store.load_root(ROOT_PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        store.load_root("not the root passphrase")


def test_rewrap_seals_old_files_atomically_and_a_wrong_passphrase_leaves_the_file_untouched(
        tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", kdf_cost=14)
    store.init_root(ROOT_PASSPHRASE, "root", now=ROOT_CREATED)
    office = store.generate_office_key("1501", "office", ROOT_PASSPHRASE, KEY_PASSPHRASE, not_before=NOT_BEFORE,
                                       not_after=NOT_AFTER)
    legacy = _make_legacy(store, ROOT_KEY_FILE, ROOT_PASSPHRASE)
    _make_legacy(store, f"{office.kid}.key.pem", KEY_PASSPHRASE)
    assert key_files(store) == [ROOT_KEY_FILE, f"{office.kid}.key.pem"]
    inode = (store.directory / ROOT_KEY_FILE).stat().st_ino

    with pytest.raises(WrongPassphrase):
        rewrap(store, ROOT_KEY_FILE, "not the root passphrase")
    assert (store.directory / ROOT_KEY_FILE).read_bytes() == legacy  # untouched
    assert (store.directory / ROOT_KEY_FILE).stat().st_ino == inode
    assert sorted(p.name for p in store.directory.iterdir() if p.name.startswith(".")) == []  # no temporary left

    done = rewrap(store, ROOT_KEY_FILE, ROOT_PASSPHRASE)
    assert (done.was, done.now, done.changed) == ("pkcs8", "scrypt n=16384, r=8, p=1", True)
    data = (store.directory / ROOT_KEY_FILE).read_bytes()
    assert not is_legacy(data) and stat.S_IMODE((store.directory / ROOT_KEY_FILE).stat().st_mode) == 0o600
    with warnings.catch_warnings():
        warnings.simplefilter("error", LegacyKeyFile)  # no longer the old format
        store.load_root(ROOT_PASSPHRASE)
    assert rewrap(store, ROOT_KEY_FILE, ROOT_PASSPHRASE).changed is False  # already sealed so

    with pytest.raises(InvalidKeyInput, match="new passphrase: too short"):
        rewrap(store, f"{office.kid}.key.pem", KEY_PASSPHRASE, new_passphrase="short")
    assert is_legacy((store.directory / f"{office.kid}.key.pem").read_bytes())  # a refused rewrap wrote nothing
    fresh = secrets.token_urlsafe(18)
    assert rewrap(store, f"{office.kid}.key.pem", KEY_PASSPHRASE, new_passphrase=fresh).new_passphrase
    with pytest.raises(WrongPassphrase):
        store.load_signer(office.kid, KEY_PASSPHRASE)
    assert store.load_signer(office.kid, fresh).kid == office.kid
