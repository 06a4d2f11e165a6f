"""C2SP transparency-log checkpoints (c2sp.org/tlog-checkpoint): the signed head of an RFC 6962 tree.

The note text is the origin line, the tree size in decimal, the base64 root hash and optional
non-empty extension lines. `Checkpoint.parse` takes exactly that and nothing else; a
`SignedCheckpoint` is one whose log signature verified.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from keys.tlog.errors import OriginMismatch, SignatureInvalid, TlogMalformed
from keys.tlog.note import NoteSigner, NoteVerifier, SignedNote, Verifier, b64decode_strict, check_text, open_note

HASH_SIZE = 32
MAX_SIZE = (1 << 63) - 1  # Go's int64: what sumdb/tlog and every witness can hold
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: which log, how many leaves, the RFC 6962 root at that size."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise TlogMalformed("checkpoint origin", "must be one non-empty line")
        if not 0 <= self.size <= MAX_SIZE:
            raise TlogMalformed("checkpoint tree size", f"must be between 0 and {MAX_SIZE}")
        if len(self.root) != HASH_SIZE:
            raise TlogMalformed("checkpoint root hash", f"must be {HASH_SIZE} bytes, not {len(self.root)}")
        for n, line in enumerate(self.extensions, 4):
            if not line or "\n" in line:
                raise TlogMalformed(f"checkpoint line {n}", "an extension line must be one non-empty line")
        check_text(self.text, "checkpoint")

    @property
    def text(self) -> str:
        """The note text (what the log signs)."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text; raises TlogMalformed naming the line and the rule."""
        check_text(text, "checkpoint")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise TlogMalformed("checkpoint", "needs an origin, a tree size and a root hash line")
        origin, size, root, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise TlogMalformed("checkpoint tree size", f"{size[:24]!r} is not a decimal without leading zeros")
        if int(size) > MAX_SIZE:
            raise TlogMalformed("checkpoint tree size", f"exceeds {MAX_SIZE}")
        root_hash = b64decode_strict(root, "checkpoint root hash")
        return cls(origin, int(size), root_hash, tuple(extensions))

    def sign(self, signer: NoteSigner) -> SignedNote:
        """The signed note of this checkpoint (encode() gives its bytes)."""
        return SignedNote(self.text, (signer.sign(self.text),))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose log signature verified, with the whole note (cosignatures included)."""

    checkpoint: Checkpoint
    note: SignedNote

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.checkpoint.root

    def encode(self) -> bytes:
        return self.note.encode()


def open_checkpoint(data: bytes | SignedNote, log: NoteVerifier, origin: str | None = None,
                    others: Sequence[Verifier] = ()) -> SignedCheckpoint:
    """Verify a checkpoint note: the log's key must have signed it, and its origin be the log's.

    `origin` defaults to the log key's name (the spec's recommendation, and what certledger's logs
    do). `others` (cosigners) are checked too when present, but only the log's signature is required.
    """
    verified = open_note(data, [log, *others])
    if not any((s.name, s.key_id) == (log.name, log.key_id) for s in verified.verified):
        raise SignatureInvalid(f"the checkpoint is not signed by the log key {log.name} ({log.key_id:08x})")
    checkpoint = Checkpoint.parse(verified.text)
    expected = log.name if origin is None else origin
    if checkpoint.origin != expected:
        raise OriginMismatch(f"the checkpoint is of log {checkpoint.origin!r}, not {expected!r}")
    return SignedCheckpoint(checkpoint, verified.note)

