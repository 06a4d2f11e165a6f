"""C2SP signed notes (c2sp.org/signed-note, as golang.org/x/mod/sumdb/note reads and writes them).

A note is a text ending in a newline, a blank line, and signature lines
"— <key name> <base64(4-byte key id || signature)>". A key is named, and its id is the first
four bytes of SHA-256(name || "\\n" || type byte || public key); Ed25519 note signatures are
type 0x01. Key strings are the ones Go writes: a verifier key `<name>+<hex id>+<base64(type || key)>`
and a signer key `PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>`.

`SignedNote.parse` only parses; `open_note` verifies against known keys (unknown keys are ignored,
a known key whose signature fails rejects the note, and at least one known key must have signed).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from keys.tlog.errors import SignatureInvalid, TlogMalformed

ED25519 = 0x01  # signature type of a plain Ed25519 note signature
EM_DASH_PREFIX = "\u2014 "
MAX_SIGNATURES = 100  # the spec asks verifiers to accept at least 16; Go's note.Open stops at 100
_HEX_ID = re.compile(r"[0-9a-f]{8}")
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def valid_name(name: str) -> bool:
    """A key name: non-empty, without Unicode spaces, plus signs or control characters."""
    return bool(name) and "+" not in name and not any(c.isspace() or c < " " for c in name)


def key_id(name: str, key_type: int, public_key: bytes) -> int:
    """SHA-256(name || "\\n" || type || public key)[:4], as a big-endian unsigned 32-bit integer."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard base64 with padding, in its one canonical spelling."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise TlogMalformed(what, "is not standard base64") from None
    if base64.b64encode(data).decode() != text:
        raise TlogMalformed(what, "is not canonical base64") from None
    return data


def check_text(text: str, what: str) -> None:
    """Note text: ends in a newline, no ASCII control character but the newline."""
    if not text.endswith("\n"):
        raise TlogMalformed(what, "must end with a newline")
    if any(c < " " and c != "\n" for c in text):
        raise TlogMalformed(what, "contains an ASCII control character other than newline")


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key id, and the signature bytes after the id."""

    name: str
    key_id: int
    data: bytes

    def __post_init__(self) -> None:
        if not valid_name(self.name):
            raise TlogMalformed("signature key name", f"{self.name!r} is empty or has a space or '+'")
        if not 0 <= self.key_id < 1 << 32 or not self.data:
            raise TlogMalformed("signature", "needs a 32-bit key id and at least one byte of signature")

    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.data
        return f"{EM_DASH_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True)
class SignedNote:
    """A note's text (with its final newline) and its signature lines, in order."""

    text: str
    signatures: tuple[Signature, ...] = ()

    def __post_init__(self) -> None:
        check_text(self.text, "note text")

    @classmethod
    def parse(cls, data: bytes) -> SignedNote:
        """Parse the bytes of a signed note; raises TlogMalformed naming what is wrong."""
        try:
            message = data.decode("utf-8")
        except UnicodeDecodeError:
            raise TlogMalformed("note", "is not valid UTF-8") from None
        if any(c < " " and c != "\n" for c in message):
            raise TlogMalformed("note", "contains an ASCII control character other than newline")
        split = message.rfind("\n\n")
        if split < 0:
            raise TlogMalformed("note", "has no blank line before its signatures")
        text, block = message[: split + 1], message[split + 2:]
        if not block.endswith("\n"):
            raise TlogMalformed("note signatures", "must be at least one line, each ending with a newline")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise TlogMalformed("note signatures", f"more than {MAX_SIGNATURES} signature lines")
        return cls(text, tuple(_parse_line(n, line) for n, line in enumerate(lines, 1)))

    def encode(self) -> bytes:
        if not self.signatures:
            raise TlogMalformed("note signatures", "a signed note needs at least one signature")
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()

    def with_signature(self, signature: Signature) -> SignedNote:
        """This note with one more signature; an earlier one by the same key (name and id) is replaced."""
        kept = tuple(s for s in self.signatures if (s.name, s.key_id) != (signature.name, signature.key_id))
        return SignedNote(self.text, (*kept, signature))


def _parse_line(number: int, line: str) -> Signature:
    what = f"note signature line {number}"
    if not line.startswith(EM_DASH_PREFIX):
        raise TlogMalformed(what, "does not start with an em dash and a space")
    name, space, blob64 = line[len(EM_DASH_PREFIX):].partition(" ")
    if not space or not valid_name(name):
        raise TlogMalformed(what, "needs a key name without spaces or '+', a space, and a base64 signature")
    blob = b64decode_strict(blob64, what)
    if len(blob) < 5:
        raise TlogMalformed(what, "a signature is a 4-byte key id and at least one byte")
    return Signature(name, int.from_bytes(blob[:4], "big"), blob[4:])


class Verifier(Protocol):
    """A known key: signatures with its name and id are checked, all others are ignored."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, text: bytes, signature: bytes) -> bool: ...


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(*_RAW)


def verifier_key_string(name: str, key_type: int, key: Ed25519PublicKey) -> str:
    raw = bytes([key_type]) + public_bytes(key)
    return f"{name}+{key_id(name, key_type, public_bytes(key)):08x}+{base64.b64encode(raw).decode()}"


def parse_verifier_key_string(vkey: str, key_type: int) -> tuple[str, Ed25519PublicKey]:
    """`<name>+<hex id>+<base64(type || key)>` -> (name, key); the id must be the key's."""
    name, _, rest = vkey.strip().partition("+")
    hex_id, _, key64 = rest.partition("+")
    if not valid_name(name) or not _HEX_ID.fullmatch(hex_id):
        raise TlogMalformed("verifier key", "is not <name>+<8 lowercase hex digits>+<base64 key>")
    raw = b64decode_strict(key64, "verifier key")
    if len(raw) != 33 or raw[0] != key_type:
        raise TlogMalformed("verifier key", f"is not a type 0x{key_type:02x} Ed25519 key (33 bytes)")
    if int(hex_id, 16) != key_id(name, key_type, raw[1:]):
        raise TlogMalformed("verifier key", "its key id is not the hash of its name and key")
    return name, Ed25519PublicKey.from_public_bytes(raw[1:])


def signer_key_string(name: str, key_type: int, key: Ed25519PrivateKey) -> str:
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    kid = key_id(name, key_type, public_bytes(key.public_key()))
    return f"PRIVATE+KEY+{name}+{kid:08x}+{base64.b64encode(bytes([key_type]) + seed).decode()}"


def parse_signer_key_string(skey: str, key_type: int) -> tuple[str, Ed25519PrivateKey]:
    """`PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>` -> (name, key). Never echoes the key."""
    prefix, _, rest = skey.strip().partition("+KEY+")
    name, _, rest = rest.partition("+")
    hex_id, _, seed64 = rest.partition("+")
    if prefix != "PRIVATE" or not valid_name(name) or not _HEX_ID.fullmatch(hex_id):
        raise TlogMalformed("signer key", "is not PRIVATE+KEY+<name>+<8 lowercase hex digits>+<base64 seed>")
    raw = b64decode_strict(seed64, "signer key")
    if len(raw) != 33 or raw[0] != key_type:
        raise TlogMalformed("signer key", f"is not a type 0x{key_type:02x} Ed25519 seed (33 bytes)")
    key = Ed25519PrivateKey.from_private_bytes(raw[1:])
    if int(hex_id, 16) != key_id(name, key_type, public_bytes(key.public_key())):
        raise TlogMalformed("signer key", "its key id is not the hash of its name and public key")
    return name, key


def ed25519_verify(key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 note key (type 0x01), public half: a log's key as clients pin it."""

    name: str
    public_key: Ed25519PublicKey = field(compare=False)
    key_type: ClassVar[int] = ED25519

    def __post_init__(self) -> None:
        if not valid_name(self.name):
            raise TlogMalformed("key name", f"{self.name!r} is empty or has a space or '+'")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.key_type, public_bytes(self.public_key))

    def verify(self, text: bytes, signature: bytes) -> bool:
        return len(signature) == 64 and ed25519_verify(self.public_key, text, signature)

    def verifier_key(self) -> str:
        """The key as Go's note.NewEd25519VerifierKey writes it: `<name>+<hex id>+<base64>`."""
        return verifier_key_string(self.name, self.key_type, self.public_key)

    @classmethod
    def from_verifier_key(cls, vkey: str) -> NoteVerifier:
        """Parse a verifier key string (as note.NewVerifier does)."""
        return cls(*parse_verifier_key_string(vkey, cls.key_type))


@dataclass(frozen=True)
class NoteSigner:
    """An Ed25519 note key (type 0x01), private half: what signs a log's checkpoints."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if not valid_name(self.name):
            raise TlogMalformed("key name", f"{self.name!r} is empty or has a space or '+'")

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.private_key.public_key())

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    def sign(self, text: str) -> Signature:
        check_text(text, "note text")
        return Signature(self.name, self.key_id, self.private_key.sign(text.encode()))

    def signer_key(self) -> str:
        """The secret key string Go's note.GenerateKey writes (`PRIVATE+KEY+...`): keep it secret."""
        return signer_key_string(self.name, ED25519, self.private_key)

    @classmethod
    def from_signer_key(cls, skey: str) -> NoteSigner:
        return cls(*parse_signer_key_string(skey, ED25519))


@dataclass(frozen=True)
class VerifiedNote:
    """A note whose text at least one known key signed; `verified` lists those signatures."""

    note: SignedNote
    verified: tuple[Signature, ...]

    @property
    def text(self) -> str:
        return self.note.text


def open_note(data: bytes | SignedNote, verifiers: Sequence[Verifier]) -> VerifiedNote:
    """Parse and verify: TlogMalformed if not a note, SignatureInvalid if no known key's signature holds."""
    note = data if isinstance(data, SignedNote) else SignedNote.parse(data)
    known = {(v.name, v.key_id): v for v in verifiers}
    text = note.text.encode()
    verified = []
    for sig in note.signatures:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            continue  # the spec: signatures of unknown keys are ignored
        if not v.verify(text, sig.data):
            raise SignatureInvalid(f"the signature of {sig.name} ({sig.key_id:08x}) does not verify")
        verified.append(sig)
    if not verified:
        names = ", ".join(f"{n} ({k:08x})" for n, k in known) or "none given"
        raise SignatureInvalid(f"the note is not signed by a known key (known: {names})")
    return VerifiedNote(note, tuple(verified))
