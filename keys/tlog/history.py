"""An append-only history of a log's signed checkpoints, kept in a file outside the database.

One JSON object a line: {"note": <the signed checkpoint note>, "proof": [<base64 hash>, ...]}, the
proof showing the checkpoint extends the one on the line before (empty on the first line, and
between two notes of one tree head). The file is only ever appended to (O_APPEND, fsync, under an
exclusive lock) and never rewritten, so whoever holds a copy, with the log's public key and nothing
else, can check that no checkpoint contradicts an earlier one; `read(prove=...)` also checks
each step against a live log's own proofs.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from keys.tlog.checkpoint import SignedCheckpoint, open_checkpoint
from keys.tlog.errors import TlogError, TlogMalformed, located
from keys.tlog.note import NoteVerifier, SignedNote, b64decode_strict
from keys.tlog.proofs import ConsistencyProver, check_extends

FILE_MODE = 0o600
_TAIL_CHUNK = 64 * 1024
_INCOMPLETE = "is incomplete (no final newline: a write was cut short); repair the file by hand"


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the history: the verified checkpoint and the proof from the line before."""

    line: int
    checkpoint: SignedCheckpoint
    proof: tuple[bytes, ...]

    def to_json(self) -> str:
        proof = [base64.b64encode(h).decode() for h in self.proof]
        return json.dumps({"note": self.checkpoint.encode().decode(), "proof": proof}, ensure_ascii=False,
                          separators=(",", ":"))


class CheckpointHistory:
    """The history file of one log, read and appended with that log's verifier key."""

    def __init__(self, path: Path, log: NoteVerifier, origin: str | None = None) -> None:
        self.path = Path(path)
        self.log = log
        self.origin = origin

    def read(self, prove: ConsistencyProver | None = None) -> tuple[HistoryEntry, ...]:
        """Every entry, each verified and checked against the one before (an absent file: none).

        With `prove`, each step is also checked with the proof that function gives (a live log's).
        """
        with self._open(os.O_RDONLY) as fd:
            fcntl.flock(fd, fcntl.LOCK_SH)  # never half of an append being written
            data = _read_all(fd)
        entries: list[HistoryEntry] = []
        for n, raw in enumerate(_lines(data), 1):
            entry = self._parse(n, raw)
            if entries:
                self._check_step(entries[-1], entry, prove)
            entries.append(entry)
        return tuple(entries)

    def latest(self) -> SignedCheckpoint | None:
        """The last checkpoint, verified (without walking the whole file)."""
        with self._open(os.O_RDONLY) as fd:
            fcntl.flock(fd, fcntl.LOCK_SH)
            last = _last_line(fd)
        return None if last is None else self._parse(last[0], last[1]).checkpoint

    def append(self, note: bytes | SignedNote, prove: ConsistencyProver) -> HistoryEntry:
        """Verify `note`, check it extends the last entry (proof from `prove(old, new)`), append it.

        Appending the very note already last is a no-op that returns that entry.
        """
        checkpoint = open_checkpoint(note, self.log, self.origin)
        with self._open(os.O_RDWR | os.O_APPEND | os.O_CREAT) as fd:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _last_line(fd)
            previous = None if last is None else self._parse(last[0], last[1])
            proof: tuple[bytes, ...] = ()
            if previous is not None:
                old = previous.checkpoint.checkpoint
                if previous.checkpoint.encode() == checkpoint.encode():
                    return previous
                if 0 < old.size < checkpoint.size:
                    proof = tuple(prove(old.size, checkpoint.size))
                check_extends(old, checkpoint.checkpoint, proof)
            entry = HistoryEntry(1 if last is None else last[0] + 1, checkpoint, proof)
            os.write(fd, (entry.to_json() + "\n").encode())  # one write: O_APPEND puts it whole at the end
            os.fsync(fd)
            return entry

    @contextlib.contextmanager
    def _open(self, flags: int) -> Iterator[int]:
        try:
            fd = os.open(self.path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
        except FileNotFoundError:
            fd = os.open(os.devnull, os.O_RDONLY)  # reading an absent history: no entries
        try:
            yield fd
        finally:
            os.close(fd)

    def _parse(self, n: int, raw: bytes) -> HistoryEntry:
        what = f"checkpoint history line {n}"
        try:
            obj = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            raise TlogMalformed(what, "is not JSON") from None
        if (not isinstance(obj, dict) or set(obj) != {"note", "proof"} or not isinstance(obj["note"], str)
                or not isinstance(obj["proof"], list) or not all(isinstance(h, str) for h in obj["proof"])):
            raise TlogMalformed(what, 'must be {"note": <signed note>, "proof": [<base64 hash>, ...]}')
        proof = tuple(b64decode_strict(h, f"{what} proof") for h in obj["proof"])
        try:
            checkpoint = open_checkpoint(obj["note"].encode(), self.log, self.origin)
        except TlogError as e:
            raise located(what, e) from None
        return HistoryEntry(n, checkpoint, proof)

    @staticmethod
    def _check_step(before: HistoryEntry, entry: HistoryEntry, prove: ConsistencyProver | None) -> None:
        old, new = before.checkpoint.checkpoint, entry.checkpoint.checkpoint
        try:
            check_extends(old, new, entry.proof)
            if prove is not None and 0 < old.size < new.size:
                check_extends(old, new, prove(old.size, new.size))
        except TlogError as e:
            raise located(f"checkpoint history line {entry.line}", e) from None


def _lines(data: bytes) -> list[bytes]:
    if not data:
        return []
    if not data.endswith(b"\n"):
        lines = data.count(b"\n") + 1
        raise TlogMalformed(f"checkpoint history line {lines}", _INCOMPLETE)
    return data[:-1].split(b"\n")


def _last_line(fd: int) -> tuple[int, bytes] | None:
    """(line number, bytes) of the file's last line, reading from the end; None for an empty file."""
    end = os.fstat(fd).st_size
    if end == 0:
        return None
    tail = os.pread(fd, min(end, _TAIL_CHUNK), end - min(end, _TAIL_CHUNK))
    offset = end - len(tail)
    while tail.rfind(b"\n", 0, len(tail) - 1) < 0 and offset > 0:
        step = min(offset, _TAIL_CHUNK)
        offset -= step
        tail = os.pread(fd, step, offset) + tail
    if not tail.endswith(b"\n"):
        raise TlogMalformed("checkpoint history last line", _INCOMPLETE)
    start = tail.rfind(b"\n", 0, len(tail) - 1) + 1
    before = _count_newlines(fd, offset + start)
    return before + 1, tail[start:-1]


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _count_newlines(fd: int, end: int) -> int:
    count, offset = 0, 0
    while offset < end:
        chunk = os.pread(fd, min(1 << 20, end - offset), offset)
        count += chunk.count(b"\n")
        offset += len(chunk)
    return count
