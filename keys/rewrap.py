"""Re-wrap key files in place: open with the passphrase they have, seal anew (keys.sealed), replace atomically.

The new file is written beside the old one (O_EXCL, mode 0600 from its creation), fsynced, opened again
to prove it holds the same key, then renamed over the old one and the directory fsynced: at every moment
the path names either the old file or the new one, never nothing and never a file others can read. A wrong
passphrase, or anything else that fails, leaves the old file exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization

from keys.errors import KeyFileDamaged, KeyNotFound
from keys.files import read_private_bytes, replace_whole
from keys.sealed import check_passphrase_strength, is_legacy, open_private_key, scrypt_params, seal_private_key
from keys.store import KeyStore

_PRIVATE_MODE = 0o600


@dataclass(frozen=True)
class Rewrapped:
    name: str
    was: str  # "pkcs8" or "scrypt n=…, r=…, p=…"
    now: str
    changed: bool  # False when the file was already sealed with these parameters and keeps its passphrase
    new_passphrase: bool

    def to_dict(self) -> dict[str, object]:
        return {"file": self.name, "was": self.was, "now": self.now, "changed": self.changed,
                "new_passphrase": self.new_passphrase}


def key_files(store: KeyStore) -> list[str]:
    """Every private key file of the key directory: the root's first, then the others by name."""
    if not store.directory.is_dir():
        return []
    names = sorted(p.name for p in store.directory.glob("*.key.pem") if p.is_file() and not p.is_symlink())
    return sorted(names, key=lambda n: n != "root.key.pem")


def describe(data: bytes, what: str) -> str:
    if is_legacy(data):
        return "pkcs8"
    p = scrypt_params(data, what)
    return f"scrypt n={p.n}, r={p.r}, p={p.p}"


def rewrap(store: KeyStore, name: str, passphrase: str, new_passphrase: str | None = None) -> Rewrapped:
    """Seal `name` (a file of the key directory) with the store's KDF parameters, keeping its passphrase or
    changing it to `new_passphrase` (which must be strong enough for a new key)."""
    if "/" in name or name.startswith(".") or not name.endswith(".key.pem"):
        raise KeyNotFound(f"{name!r}: a key file of the key directory (NAME.key.pem)")
    path = store.directory / name
    what = f"key file {name}"
    data = read_private_bytes(path, what)
    before = describe(data, what)
    key = open_private_key(data, passphrase, what)  # a wrong passphrase stops here: nothing written
    target = f"scrypt n={store.kdf.n}, r={store.kdf.r}, p={store.kdf.p}"
    if new_passphrase is None and before == target:
        return Rewrapped(name, before, before, changed=False, new_passphrase=False)
    if new_passphrase is not None:
        check_passphrase_strength(new_passphrase, "new passphrase")
    secret = passphrase if new_passphrase is None else new_passphrase
    sealed = seal_private_key(key, secret, store.kdf)
    if _public(open_private_key(sealed, secret, what)) != _public(key):
        raise KeyFileDamaged(f"{what}: the re-sealed file does not hold the same key; the old file is kept")
    replace_whole(path, sealed, _PRIVATE_MODE)
    return Rewrapped(name, before, target, changed=True, new_passphrase=new_passphrase is not None)


def _public(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
