"""The Ed25519 note keys in key directories: the log key (signs the ledger's C2SP checkpoints) and a
witness's cosigner key, and the callables the ledger takes to sign and verify checkpoints with them.

In the deployment's key directory:

    log.key.pem      the log's private key, encrypted with its passphrase (the key store's private key format), 0600
    log.vkey         its verifier key `<name>+<hex id>+<base64>`, as Go's sumdb/note writes it: what auditors pin

In a witness's directory (keys.store.KeyStore on that directory):

    witness.key.pem  the witness's cosigner key (cosignature/v1), encrypted, 0600
    witness.vkey     its verifier key (type 0x04)

The private key files go through KeyStore._write_private/_read_private, the one place for their format.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys.errors import KeyExists, KeyFileDamaged, KeyNotFound
from keys.store import KeyStore
from keys.tlog.checkpoint import Checkpoint as NoteCheckpoint
from keys.tlog.checkpoint import open_checkpoint
from keys.tlog.cosignature import CosignatureVerifier, Cosigner
from keys.tlog.errors import TlogError
from keys.tlog.note import NoteSigner, NoteVerifier
from ledger.audit import VerifyNote
from ledger.translog import Checkpoint, SignedHead, SignHead

LOG_KEY_FILE, LOG_VKEY_FILE = "log.key.pem", "log.vkey"
WITNESS_KEY_FILE, WITNESS_VKEY_FILE = "witness.key.pem", "witness.vkey"


def _create(store: KeyStore, key_file: str, vkey_file: str, vkey: str, key: Ed25519PrivateKey,
            passphrase: str) -> None:
    store._ensure_directory()
    for name in (key_file, vkey_file):
        if (store.directory / name).exists():
            raise KeyExists(f"{store.directory / name} already exists; a note key is never replaced")
    store._write_private(key_file, key, passphrase)
    try:
        store._write_new(vkey_file, (vkey + "\n").encode(), 0o644)
    except BaseException:
        (store.directory / key_file).unlink(missing_ok=True)
        raise


def _read_vkey(store: KeyStore, vkey_file: str, what: str) -> str:
    path = store.directory / vkey_file
    try:
        return path.read_text("ascii").strip()
    except FileNotFoundError:
        raise KeyNotFound(f"no {what} at {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise KeyFileDamaged(f"{what}: {path} cannot be read ({type(e).__name__})") from None


def _private(store: KeyStore, key_file: str, passphrase: str, what: str) -> Ed25519PrivateKey:
    key = store._read_private(key_file, passphrase, what, kinds=(Ed25519PrivateKey,))
    assert isinstance(key, Ed25519PrivateKey)
    return key


# -- the log key ----------------------------------------------------------------------------


def has_log_key(store: KeyStore) -> bool:
    return (store.directory / LOG_VKEY_FILE).exists() or (store.directory / LOG_KEY_FILE).exists()


def init_log_key(store: KeyStore, origin: str, passphrase: str) -> NoteVerifier:
    """A new log key named `origin` (the checkpoints' first line); refuses when the directory has one."""
    signer = NoteSigner.generate(origin)
    _create(store, LOG_KEY_FILE, LOG_VKEY_FILE, signer.verifier.verifier_key(), signer.private_key, passphrase)
    return signer.verifier


def log_verifier(store: KeyStore) -> NoteVerifier:
    """The log's public key, from log.vkey (no passphrase needed)."""
    try:
        return NoteVerifier.from_verifier_key(_read_vkey(store, LOG_VKEY_FILE, "log key"))
    except TlogError as e:
        raise KeyFileDamaged(f"the log key {store.directory / LOG_VKEY_FILE}: {e}") from None


def load_log_signer(store: KeyStore, passphrase: str) -> NoteSigner:
    """The log's private key, decrypted, checked against log.vkey."""
    verifier = log_verifier(store)
    signer = NoteSigner(verifier.name, _private(store, LOG_KEY_FILE, passphrase, "the log key"))
    if signer.verifier.verifier_key() != verifier.verifier_key():
        raise KeyFileDamaged(f"the log key: {LOG_KEY_FILE} and {LOG_VKEY_FILE} hold different keys")
    return signer


# -- a witness's key ------------------------------------------------------------------------


def init_witness_key(store: KeyStore, name: str, passphrase: str) -> CosignatureVerifier:
    cosigner = Cosigner.generate(name)
    _create(store, WITNESS_KEY_FILE, WITNESS_VKEY_FILE, cosigner.verifier.verifier_key(), cosigner.private_key,
            passphrase)
    return cosigner.verifier


def witness_verifier(store: KeyStore) -> CosignatureVerifier:
    try:
        return CosignatureVerifier.from_verifier_key(_read_vkey(store, WITNESS_VKEY_FILE, "witness key"))
    except TlogError as e:
        raise KeyFileDamaged(f"the witness key {store.directory / WITNESS_VKEY_FILE}: {e}") from None


def load_witness_key(store: KeyStore, passphrase: str) -> Cosigner:
    verifier = witness_verifier(store)
    cosigner = Cosigner(verifier.name, _private(store, WITNESS_KEY_FILE, passphrase, "the witness key"))
    if cosigner.verifier.verifier_key() != verifier.verifier_key():
        raise KeyFileDamaged(f"the witness key: {WITNESS_KEY_FILE} and {WITNESS_VKEY_FILE} hold different keys")
    return cosigner


# -- what the ledger takes --------------------------------------------------------------------


def key_label(verifier: NoteVerifier) -> str:
    """How the store names the key of a note checkpoint: `<name>+<hex id>` (the verifier key's first two parts)."""
    return f"{verifier.name}+{verifier.key_id:08x}"


def head_signer(signer: NoteSigner) -> SignHead:
    """sign(size, root) -> the C2SP checkpoint note (origin = the key's name), for CertLedger.take_checkpoint."""
    label = key_label(signer.verifier)

    def sign(size: int, root: bytes) -> SignedHead:
        note = NoteCheckpoint(signer.name, size, root).sign(signer)
        return SignedHead(label, note.signatures[0].data, note.encode())

    return sign


def note_verifier(verifier: NoteVerifier) -> VerifyNote:
    """verify(checkpoint): the log key signed its note, the note's origin is the key's, its size and root the row's."""
    label = key_label(verifier)

    def verify(cp: Checkpoint) -> bool:
        if cp.note is None or cp.key_id != label:
            return False
        try:
            signed = open_checkpoint(cp.note, verifier)
        except TlogError:
            return False
        return signed.size == cp.size and signed.root == cp.root

    return verify
