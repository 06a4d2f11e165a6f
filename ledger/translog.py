"""A transparency log over the ledger's event sequence (RFC 6962 / RFC 9162, as Certificate
Transparency and Sigstore Rekor keep theirs).

Every stored event, in notification order, is a leaf (ledger.leaves): since leaf scheme 2, the
hash of a public header (notification id, aggregate id, version, topic) and a salted SHA-256 of the
stored state, so a verdict can carry what a client recomputes the leaf from; leaves of stores written
before it hash the exact stored record (scheme 1) and keep doing so. The log follows the
store: after each save the writer appends the new events, O(log n) per event, keeping every
completed perfect subtree so proofs need no rebuild. Signed checkpoints (size, root, time,
key) pin the tree; an auditor who holds a checkpoint can prove that nobody rewrote history
since, even with write access to the database, because any change to a logged event changes the root at that size.

The log lives in tables beside the events (same database), written by `catch_up`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from ledger.errors import LedgerError, NotFound
from ledger.leaves import new_leaf, record_bytes
from ledger.logstore import MemoryLogStore, SqlLogStore, _TxLogStore, store_for
from ledger.merkle import EMPTY_ROOT, Frontier, consistency_path, inclusion_path, node_hash, split

__all__ = ["CHECKPOINT_ORIGIN", "PAGE", "Checkpoint", "Leaf", "LogCorrupt", "LogStore", "LogUnavailable",
           "LoggedLeaf", "MemoryLogStore", "SignHead", "SignedHead", "SqlLogStore", "TransparencyLog", "record_bytes",
           "store_for"]

PAGE = 2000
CHECKPOINT_ORIGIN = "certledger-log/1"


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head as the store keeps it.

    `note` is the C2SP signed note (c2sp.org/tlog-checkpoint: origin, size, base64 root, then the log key's
    signature line) that the log key signed; `key_id` is that key's `<name>+<hex id>` and `signature` its raw
    signature over the note text. A checkpoint without a note is one of the ledger's earlier format
    (`legacy`): its body (origin, size, root, time) was signed by an office key of the trust list.
    """

    size: int
    root: bytes
    at: datetime
    key_id: str
    signature: bytes
    note: bytes | None = None

    @property
    def legacy(self) -> bool:
        return self.note is None

    @property
    def body(self) -> bytes:
        """The signed text: the note's text (before its blank line), or the legacy body with its time."""
        if self.note is not None:
            return self.note[: self.note.rfind(b"\n\n") + 1]
        root = base64.b64encode(self.root).decode()
        return f"{CHECKPOINT_ORIGIN}\n{self.size}\n{root}\n{self.at.isoformat()}\n".encode()

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "root": self.root.hex(), "at": self.at.isoformat(), "key_id": self.key_id,
                "signature": base64.b64encode(self.signature).decode(), "body": self.body.decode(),
                "format": "legacy" if self.note is None else "c2sp-checkpoint",
                "note": None if self.note is None else self.note.decode()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Checkpoint:
        note = d.get("note")
        return cls(int(d["size"]), bytes.fromhex(d["root"]), datetime.fromisoformat(d["at"]), str(d["key_id"]),
                   base64.b64decode(d["signature"]), None if note is None else str(note).encode())


class SignedHead(NamedTuple):
    """What signing a tree head gives back: the key's id, its raw signature, the whole signed note."""

    key_id: str
    signature: bytes
    note: bytes


SignHead = Callable[[int, bytes], SignedHead]  # (tree size, root) -> the signed note (the log key's, at the edge)


# position, notification id, aggregate id, version, leaf hash, salt and public record (None, None: scheme 1)
Leaf = tuple[int, int, str, int, bytes, bytes | None, bytes | None]
LoggedLeaf = tuple[int, bytes, bytes | None]  # notification id, leaf hash, salt (None: a scheme-1 leaf)


class LogStore(Protocol):
    def size(self) -> int: ...
    def last_notification_id(self) -> int: ...
    def leaves(self, start: int, end: int) -> list[tuple[int, bytes]]: ...  # (notification id, hash)
    def logged(self, start: int, end: int) -> list[LoggedLeaf]: ...  # with each leaf's salt, for the audit
    def leaf_record(self, position: int) -> bytes | None: ...  # a scheme-2 leaf's public record
    def node(self, level: int, index: int) -> bytes: ...
    def append(self, leaves: Sequence[Leaf], nodes: Sequence[tuple[int, int, bytes]]) -> None: ...
    def position_of(self, originator_id: str, version: int) -> int | None: ...
    def has_notification(self, notification_id: int) -> bool: ...
    def checkpoints(self) -> list[Checkpoint]: ...
    def latest_checkpoint(self) -> Checkpoint | None: ...
    def add_checkpoint(self, checkpoint: Checkpoint) -> None: ...
    def write_lock(self) -> Any: ...
    def prepare(self) -> None: ...


class LogCorrupt(LedgerError):
    code = "log_corrupt"


class LogUnavailable(LedgerError):
    code = "log_unavailable"


Record = tuple[int, Any, int, str, bytes]  # notification id, aggregate id, version, topic, stored state


def _append(store: Any, records: Sequence[Record],
            known: tuple[int, bytes, Frontier] | None = None) -> tuple[int, bytes, Frontier] | None:
    """Append stored records as leaves, with the perfect subtrees they complete; returns the new last leaf's
    position and hash with the edge after it (what `known` takes next time), None when nothing was appended."""
    # In a save's transaction the edge is read in one query (ledger.logstore), elsewhere hash by hash.
    frontier = (store.frontier(known) if isinstance(store, _TxLogStore)
                else Frontier.from_nodes(store.size(), store.node))
    leaves: list[Leaf] = []
    nodes: list[tuple[int, int, bytes]] = []
    for nid, originator_id, version, topic, state in records:
        leaf = new_leaf(nid, originator_id, version, topic, state)
        leaves.append((frontier.size, nid, str(originator_id), version, leaf.hash, leaf.salt, leaf.record))
        nodes.extend(frontier.append(leaf.hash))
    store.append(leaves, nodes)
    return (leaves[-1][0], leaves[-1][4], frontier) if leaves else None  # `frontier` is not appended to again


class TransparencyLog:
    def __init__(self, store: LogStore) -> None:
        self.store = store
        self._bring_in: list[Record] = []  # rows `audit repair` appends after its own save's events
        self._edge: tuple[int, bytes, Frontier] | None = None  # after this process's last append in a save

    @contextmanager
    def bringing_in(self, records: Sequence[Record]) -> Iterator[None]:
        """The next save (a log repair's) also appends these unlogged rows' leaves, after its own events and
        in its transaction; it fails if any of them got a leaf meanwhile."""
        self._bring_in = list(records)
        try:
            yield
        finally:
            self._bring_in = []

    # ---------------------------------------------------------------- append
    def write_in_transaction(self, tx: Any, stored: Sequence[Any], ids: Sequence[int]) -> None:
        """A recorder writer (ledger.recorders): the save's events become leaves in the save's own
        transaction, so the events and the log commit together or not at all."""
        records = [(nid, s.originator_id, s.originator_version, s.topic, s.state)
                   for nid, s in zip(ids, stored, strict=True)]
        target = self.store if tx is None else _TxLogStore(tx)
        staged, self._bring_in = self._bring_in, []
        if staged and any(target.has_notification(r[0]) for r in staged):
            raise LogCorrupt("a row to bring in got a leaf meanwhile (another repair?): nothing was written")
        # The edge this process leaves is reused by its next save while the store's last leaf is still ours.
        self._edge = _append(target, records + staged, self._edge)  # only a save's transaction reads it

    def unlogged(self, recorder: Any, limit: int = PAGE) -> list[Any]:
        """Stored events after the log's last leaf: rows that reached the table without a save."""
        return list(recorder.select_notifications(start=self.store.last_notification_id() + 1, limit=limit))

    def catch_up(self, recorder: Any) -> int:
        """Append every stored event after the log's last leaf; returns how many. No command calls it any more:
        saves write their leaves in their own transaction, and `audit repair` brings rows in explicitly and on
        the record (`bringing_in`, ledger.app_repair)."""
        with self.store.write_lock():
            start = self.store.last_notification_id() + 1
            added = 0
            while True:
                page = recorder.select_notifications(start=start, limit=PAGE)
                if not page:
                    break
                _append(self.store, [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in page])
                added += len(page)
                start = page[-1].id + 1
                if len(page) < PAGE:
                    break
            return added

    # ---------------------------------------------------------------- read
    def size(self) -> int:
        return self.store.size()

    def hash_range(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) from stored perfect subtrees: O(log n) lookups."""
        n = end - start
        if n <= 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            return self.store.node(n.bit_length() - 1, start // n)
        k = split(n)
        return node_hash(self.hash_range(start, start + k), self.hash_range(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        return self.hash_range(0, self.size() if size is None else size)

    def inclusion_proof(self, position: int, size: int) -> list[bytes]:
        if not 0 <= position < size <= self.size():
            raise NotFound(f"no leaf {position} in a tree of size {size} (the log has {self.size()})")
        return inclusion_path(position, 0, size, self.hash_range)

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        if not 0 < old <= new <= self.size():
            raise NotFound(f"no consistency proof from {old} to {new} (the log has {self.size()})")
        return consistency_path(old, new, self.hash_range)

    def position_of(self, originator_id: UUID | str, version: int) -> int | None:
        return self.store.position_of(str(originator_id), version)

    # ----------------------------------------------------------- checkpoints
    def checkpoints(self) -> list[Checkpoint]:
        return self.store.checkpoints()

    def latest_checkpoint(self) -> Checkpoint | None:
        return self.store.latest_checkpoint()

    def checkpoint(self, sign: SignHead, at: datetime) -> Checkpoint:
        """Sign the current tree head as a signed note; returns the latest one if the log has not grown since
        and that one is a note (a legacy checkpoint of the same size is signed again, as a note)."""
        with self.store.write_lock():  # two checkpointers at once: one signs, the other finds it
            size = self.size()
            latest = self.latest_checkpoint()
            if latest is not None and latest.size == size and not latest.legacy:
                return latest
            root = self.root(size)
            head = sign(size, root)
            signed = Checkpoint(size, root, at, head.key_id, head.signature, head.note)
            self.store.add_checkpoint(signed)
            return signed
