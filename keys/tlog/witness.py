"""A witness: cosigns a log's checkpoints, each only if it extends the last one it cosigned.

Its state is the last note it cosigned (the log's signature and its own cosignature on it), kept
in one file (0600) replaced atomically, under an exclusive lock so two runs cannot interleave.
Loading the state verifies both signatures again. A witness without state takes the first
checkpoint it is shown as its start (the spec's tree of size 0, from which every tree extends):
point it at a log before that log's history matters, or give it the state of a trusted copy.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from keys.files import replace_whole
from keys.tlog.checkpoint import HASH_SIZE, MAX_SIZE, SignedCheckpoint, open_checkpoint
from keys.tlog.cosignature import Cosignature, Cosigner, verify_cosignature
from keys.tlog.errors import CheckpointRollback, TlogError, TlogMalformed, WitnessConflict, located
from keys.tlog.note import NoteVerifier, SignedNote, b64decode_strict
from keys.tlog.proofs import MAX_PROOF, check_extends

STATE_MODE = 0o600
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class AddCheckpoint:
    """The body of c2sp.org/tlog-witness add-checkpoint: "old <size>", proof lines, a blank line, the note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: SignedNote

    def encode(self) -> bytes:
        lines = [f"old {self.old_size}", *(base64.b64encode(h).decode() for h in self.proof)]
        return ("".join(f"{line}\n" for line in lines) + "\n").encode() + self.note.encode()

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpoint:
        head, blank, rest = body.partition(b"\n\n")
        lines = head.decode("utf-8", "replace").split("\n")
        if not blank or not lines[0].startswith("old ") or not _DECIMAL.fullmatch(lines[0][4:]):
            raise TlogMalformed("add-checkpoint", 'must start with "old <size>", proof lines and a blank line')
        old_size = int(lines[0][4:])
        if old_size > MAX_SIZE or len(lines) - 1 > MAX_PROOF - 1:
            raise TlogMalformed("add-checkpoint", "old size or proof too large (at most 63 proof lines)")
        proof = tuple(b64decode_strict(line, f"add-checkpoint proof line {n}") for n, line in enumerate(lines[1:], 1))
        if any(len(h) != HASH_SIZE for h in proof):
            raise TlogMalformed("add-checkpoint", f"each proof line must be one {HASH_SIZE}-byte hash")
        if old_size == 0 and proof:
            raise TlogMalformed("add-checkpoint", "the proof must be empty when the old size is 0")
        return cls(old_size, proof, SignedNote.parse(rest))


@dataclass(frozen=True)
class WitnessState:
    """The last checkpoint this witness cosigned, and its cosignature on it."""

    checkpoint: SignedCheckpoint
    cosignature: Cosignature

    @property
    def size(self) -> int:
        return self.checkpoint.size


class Witness:
    """One witness key watching one log; `cosign` is the whole protocol."""

    def __init__(self, cosigner: Cosigner, log: NoteVerifier, state_path: Path, origin: str | None = None) -> None:
        self.cosigner = cosigner
        self.log = log
        self.origin = origin
        self.state_path = Path(state_path)

    def state(self) -> WitnessState | None:
        """The state on disk, verified; None before the first cosignature."""
        try:
            data = self.state_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            obj = json.loads(data)
            note = obj["note"].encode() if isinstance(obj, dict) and isinstance(obj.get("note"), str) else None
        except (UnicodeDecodeError, ValueError):
            note = None
        if note is None:
            raise TlogMalformed(f"witness state {self.state_path}", 'must be {"note": <the last cosigned note>}')
        try:
            checkpoint = open_checkpoint(note, self.log, self.origin)
            cosignature = verify_cosignature(checkpoint.note, self.cosigner.verifier)
        except TlogError as e:
            raise located(f"witness state {self.state_path}", e) from None
        return WitnessState(checkpoint, cosignature)

    def cosign(self, note: bytes | SignedNote, proof: Sequence[bytes], now: datetime,
               old_size: int | None = None) -> SignedNote:
        """Verify the log's signature on `note`, check `proof` (from the state's size to the note's),
        refuse a smaller or inconsistent tree, and return the note with this witness's cosignature.

        The proof is RFC 6962's consistency proof from `state().size` (empty for the first
        checkpoint, or for the same tree again). With `old_size` (what the caller believes that size
        is), a different state is a WitnessConflict naming it. The new state is on disk before this returns.
        """
        if now.tzinfo is None:
            raise TlogMalformed("cosignature time", "must be timezone-aware")
        checkpoint = open_checkpoint(note, self.log, self.origin)
        if old_size is not None and old_size > checkpoint.size:
            raise CheckpointRollback(f"the old size {old_size} exceeds the checkpoint's {checkpoint.size}")
        with self._locked():
            state = self.state()
            latest = 0 if state is None else state.size
            if old_size is not None and old_size != latest:
                raise WitnessConflict(f"the witness last cosigned a tree of {latest} leaves, not {old_size}", latest)
            timestamp = int(now.timestamp())
            if state is None and proof:
                raise WitnessConflict("the witness has cosigned nothing of this log yet: the proof must be empty "
                                      "(old size 0)", 0)
            if state is not None:
                check_extends(state.checkpoint.checkpoint, checkpoint.checkpoint, proof)
                if timestamp < state.cosignature.timestamp:  # "at time t the largest tree was..." must not go back
                    raise TlogMalformed("cosignature time", f"{now.isoformat()} is before the last cosignature's "
                                        f"({state.cosignature.at.isoformat()}): the witness's clock went back")
            cosigned = self.cosigner.cosign(checkpoint.note, timestamp)
            self._write_state(cosigned)
        return cosigned

    def add_checkpoint(self, body: bytes, now: datetime) -> bytes:
        """c2sp.org/tlog-witness add-checkpoint: a request body in, the cosignature line out."""
        request = AddCheckpoint.parse(body)
        cosigned = self.cosign(request.note, request.proof, now, old_size=request.old_size)
        return cosigned.signatures[-1].line().encode()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self.state_path.with_name(self.state_path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, STATE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _write_state(self, note: SignedNote) -> None:
        """Replace the state whole (keys.files.replace_whole: a new file, synced, renamed over the old one)."""
        data = json.dumps({"note": note.encode().decode()}, ensure_ascii=False).encode() + b"\n"
        replace_whole(self.state_path, data, STATE_MODE)
