"""C2SP cosignatures, cosignature/v1 (c2sp.org/tlog-cosignature): a witness's timestamped Ed25519 signature.

The key type is 0x04. The signed message is "cosignature/v1\\n", "time <POSIX seconds>\\n" and the
whole checkpoint note text; the signature line carries key id || timestamp (8 bytes, big-endian)
|| Ed25519 signature. A cosignature states that, at that time, this was the largest tree of the
log the witness had seen consistent with everything before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from keys.tlog.errors import SignatureInvalid, TlogMalformed
from keys.tlog.note import (
    Signature,
    SignedNote,
    check_text,
    ed25519_verify,
    key_id,
    parse_signer_key_string,
    parse_verifier_key_string,
    public_bytes,
    signer_key_string,
    valid_name,
    verifier_key_string,
)

COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = (1 << 63) - 1


def cosigned_message(text: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: header line, time line, the checkpoint's note text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise TlogMalformed("cosignature timestamp", f"must be between 0 and {MAX_TIMESTAMP}")
    check_text(text, "checkpoint")
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def _name(name: str) -> None:
    if not valid_name(name):
        raise TlogMalformed("cosigner name", f"{name!r} is empty or has a space or '+'")


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's public key (type 0x04); usable with open_note like any note verifier."""

    name: str
    public_key: Ed25519PublicKey = field(compare=False)
    key_type: ClassVar[int] = COSIGNATURE_V1

    def __post_init__(self) -> None:
        _name(self.name)

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.key_type, public_bytes(self.public_key))

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != 8 + 64:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        try:
            message = cosigned_message(text.decode(), timestamp)
        except (UnicodeDecodeError, TlogMalformed):
            return False
        return ed25519_verify(self.public_key, message, signature[8:])

    def verifier_key(self) -> str:
        """`<name>+<hex id>+<base64(0x04 || key)>`, the vkey form the spec allows for witnesses."""
        return verifier_key_string(self.name, self.key_type, self.public_key)

    @classmethod
    def from_verifier_key(cls, vkey: str) -> CosignatureVerifier:
        return cls(*parse_verifier_key_string(vkey, cls.key_type))


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: who, and when they say they saw the checkpoint."""

    name: str
    key_id: int
    timestamp: int

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)


@dataclass(frozen=True)
class Cosigner:
    """A witness's private key (type 0x04)."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        _name(self.name)

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.private_key.public_key())

    def cosign(self, note: SignedNote, timestamp: int) -> SignedNote:
        """The note with this witness's cosignature (replacing an earlier one of the same key)."""
        signature = self.private_key.sign(cosigned_message(note.text, timestamp))
        line = Signature(self.name, self.verifier.key_id, timestamp.to_bytes(8, "big") + signature)
        return note.with_signature(line)

    def signer_key(self) -> str:
        """`PRIVATE+KEY+<name>+<hex id>+<base64(0x04 || seed)>`, Go's signer-key form with the type 0x04."""
        return signer_key_string(self.name, COSIGNATURE_V1, self.private_key)

    @classmethod
    def from_signer_key(cls, skey: str) -> Cosigner:
        return cls(*parse_signer_key_string(skey, COSIGNATURE_V1))


def verify_cosignature(note: SignedNote, witness: CosignatureVerifier) -> Cosignature:
    """The witness's cosignature on this note, verified; SignatureInvalid when absent or failing."""
    text = note.text.encode()
    for sig in note.signatures:
        if (sig.name, sig.key_id) != (witness.name, witness.key_id):
            continue
        if not witness.verify(text, sig.data):
            raise SignatureInvalid(f"the cosignature of {witness.name} ({witness.key_id:08x}) does not verify")
        return Cosignature(sig.name, sig.key_id, int.from_bytes(sig.data[:8], "big"))
    raise SignatureInvalid(f"the note carries no cosignature of {witness.name} ({witness.key_id:08x})")


def require_cosignatures(note: SignedNote, witnesses: Sequence[CosignatureVerifier],
                         quorum: int) -> tuple[Cosignature, ...]:
    """The valid cosignatures of these witnesses; SignatureInvalid unless at least `quorum` of them hold.

    A present cosignature that fails is an error (the note was altered), not merely one fewer.
    """
    distinct = {(w.name, w.key_id): w for w in witnesses}  # one key counts once, however often it is listed
    if not 0 < quorum <= len(distinct):
        raise TlogMalformed("cosignature quorum", f"must be between 1 and the {len(distinct)} distinct witnesses")
    present = {(s.name, s.key_id) for s in note.signatures}
    found = tuple(verify_cosignature(note, w) for k, w in distinct.items() if k in present)
    if len(found) < quorum:
        raise SignatureInvalid(f"{len(found)} of the required {quorum} witness cosignatures are present")
    return found
