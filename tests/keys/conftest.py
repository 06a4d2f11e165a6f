"""Key store fixtures: a root made at a fixed time and one office key inside its validity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from keys.store import KeyStore, OfficeKey

ROOT_PASSPHRASE = "root correct horse"
KEY_PASSPHRASE = "office battery staple"
ROOT_CREATED = datetime(2024, 1, 1, tzinfo=UTC)
NOT_BEFORE = datetime(2024, 3, 1, tzinfo=UTC)
NOT_AFTER = datetime(2026, 3, 1, tzinfo=UTC)
# scrypt's N = 2^14 (16 MiB) for the fixtures' files: 2^17 costs ~0.5-0.8 s per seal or open on this machine,
# minutes over the suite. tests/keys/test_sealed.py checks that a store writes 2^17 by default.
TEST_KDF_COST = 14


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    """A key store (a fresh subdirectory, so the store creates it 0700) with its root."""
    keystore = KeyStore(tmp_path / "keys", kdf_cost=TEST_KDF_COST)
    keystore.init_root(ROOT_PASSPHRASE, "certledger test root", now=ROOT_CREATED)
    return keystore


@pytest.fixture
def office_key(store: KeyStore) -> OfficeKey:
    return store.generate_office_key("1501", "济南市职业技能鉴定指导中心", ROOT_PASSPHRASE, KEY_PASSPHRASE,
                                     not_before=NOT_BEFORE, not_after=NOT_AFTER)


@pytest.fixture
def keeper(tmp_path: Path) -> KeyStore:
    """The root's own directory: another machine, as far as the office can tell."""
    root = KeyStore(tmp_path / "keeper")
    root.init_root(ROOT_PASSPHRASE, "certledger test root", now=ROOT_CREATED)
    return root
