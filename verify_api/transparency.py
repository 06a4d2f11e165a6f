"""The transparency log as the service publishes it: the latest signed checkpoint, inclusion and consistency
proofs, and the inclusion that rides on each verification answer.

The service only reads the log (the command's writers append to it and `certledger audit checkpoint`
signs its head). Everything is stated against the latest *signed* checkpoint: a proof against a tree
nobody signed would prove nothing to an employer or an auditor. A document whose latest event came
after that checkpoint is "pending" until the next one.

The latest checkpoint is read again at most every `log_reload_seconds`; a document's inclusion is
computed once per checkpoint and per state of the document (the cached views are new objects when it
changes), so the token endpoint pays a dictionary lookup, not O(log n) queries, per request.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

from keys.tlog import SignedNote
from ledger.application import CertLedger
from ledger.errors import InvalidInput, LedgerError
from ledger.leaves import leaf_fields
from ledger.readmodel import Reader
from ledger.translog import Checkpoint, LogUnavailable, TransparencyLog
from ledger.tree_reads import TreeAtSize
from ledger.verification_record import VerificationRecord
from ledger.views import CertificateView, ProofView
from verify_api.history import PublishedHistory

log = logging.getLogger("verify_api")
T = TypeVar("T")


def _normal_name(name: str) -> bytes:
    # As the lookup compares them: full-width and half-width forms, and stray spaces, are the same name.
    return "".join(unicodedata.normalize("NFKC", name).split()).encode("utf-8")


def holders_document(ledger: CertLedger, document: str, name: str) -> str | None:
    """`document` when `name` is its holder's; None for an unknown document and another's alike.

    A proof number, a certificate number (its current edition) or number#edition, as the inclusion route
    takes them. The inclusion proof of a document tells which numbers exist and how often a certificate
    was reissued: it is shown only to whoever can name the holder, as the lookup is.
    """
    text = document.strip().upper()
    if not text or text.startswith("SQ-"):
        return None
    try:
        view = ledger.document_by_reference(text) if "#" in text else ledger.show(text)
    except (LedgerError, IndexError, ValueError):
        return None
    if not isinstance(view, CertificateView | ProofView):
        return None
    return text if hmac.compare_digest(_normal_name(view.data.holder_name), _normal_name(name)) else None


class LogNotPublished(Exception):
    """The log is switched off, its tables are missing, or no checkpoint has been signed yet."""


def _as_json(checkpoint: Checkpoint) -> dict[str, Any]:
    """The checkpoint as the service answers it, with the names of the cosignatures its note carries."""
    cosignatures: list[str] = []
    if checkpoint.note is not None:
        note = SignedNote.parse(checkpoint.note)
        cosignatures = [f"{s.name}+{s.key_id:08x}" for s in note.signatures[1:]]
    return {**checkpoint.to_dict(), "cosignatures": cosignatures}


class PublishedLog:
    def __init__(self, ledger: CertLedger, reload_seconds: float = 1.0, cache_size: int = 4096,
                 history: PublishedHistory | None = None, records: Reader | None = None) -> None:
        self.ledger = ledger
        self.records = records  # the verification read model: a document's leaf and proof in two indexed reads
        self._tree: TreeAtSize | None = None  # the latest checkpoint's root and right edge
        self.history = history
        self.reload_seconds = reload_seconds
        self.cache_size = max(cache_size, 1)
        self._lock = threading.Lock()  # one log connection per worker: its readers take turns
        self._head: tuple[Checkpoint, dict[str, Any]] | None = None  # the latest checkpoint, and as JSON
        self._expires = 0.0
        self._unavailable: str | None = None  # why the last read failed, until one succeeds
        self._inclusions: dict[str, tuple[object, int, dict[str, Any]]] = {}

    @property
    def enabled(self) -> bool:
        return self.ledger.translog is not None

    def _read(self, fn: Callable[[TransparencyLog], T]) -> T:
        translog = self.ledger.translog
        if translog is None:
            raise LogNotPublished("the transparency log is switched off for this service")
        with self._lock:
            return fn(translog)

    # ------------------------------------------------------------ checkpoint
    def latest(self) -> Checkpoint | None:
        """The latest signed checkpoint (re-read at most every reload_seconds); None without one or a log."""
        head = self._current()
        return head[0] if head else None

    def latest_size(self) -> int | None:
        """The latest signed checkpoint's tree size (None without one)."""
        latest = self.latest()
        return None if latest is None else latest.size

    def fresh_head(self) -> tuple[object] | None:
        """The head in force, as a one-element tuple (its element None without a checkpoint), while no re-read
        is due (nothing read); None when one is."""
        return (self._head,) if time.monotonic() < self._expires else None

    def _current(self) -> tuple[Checkpoint, dict[str, Any]] | None:
        now = time.monotonic()
        if now < self._expires:
            return self._head
        if self._head is not None:
            # Claimed: while this one reads, every other request keeps the head in force (one read, not one
            # per waiting request; a repeated scan stays answered from memory meanwhile).
            self._expires = now + self.reload_seconds
        try:
            latest = self._read(lambda t: t.latest_checkpoint()) if self.enabled else None
            self._unavailable = None
        except LogUnavailable as e:
            if self._unavailable is None:  # once per outage: the operator's log, not each request
                log.warning("transparency log unavailable: %s", e)
            self._unavailable, latest = str(e), None
        if latest is None:
            self._head = None
        else:
            latest = self._cosigned(latest)
            if self._head is None or self._head[0] != latest:
                self._head = (latest, _as_json(latest))
        self._expires = now + self.reload_seconds
        return self._head

    def _cosigned(self, latest: Checkpoint) -> Checkpoint:
        """The history's note of the same tree head when it has one: it carries the witnesses' cosignatures."""
        kept = self.history.latest() if self.history is not None and latest.note is not None else None
        if kept is None or (kept.size, kept.root) != (latest.size, latest.root):
            return latest
        return dataclasses.replace(latest, note=kept.encode())

    def note(self) -> bytes:
        """The latest checkpoint's signed note (C2SP tlog-checkpoint, cosignatures included)."""
        checkpoint = self._published()[0]
        if checkpoint.note is None:
            raise LogNotPublished("the latest checkpoint is of the legacy format: it has no signed note")
        return checkpoint.note

    def history_file(self) -> bytes:
        """The checkpoint history, byte for byte."""
        data = None if self.history is None else self.history.data()
        if data is None:
            raise LogNotPublished("no checkpoint history is published here")
        return data

    def _published(self) -> tuple[Checkpoint, dict[str, Any]]:
        head = self._current()
        if head is None:
            raise LogNotPublished(self._unavailable or ("no signed checkpoint has been published yet" if self.enabled
                                                        else "the transparency log is switched off for this service"))
        return head

    def checkpoint(self) -> dict[str, Any]:
        """The latest signed checkpoint as JSON (its body is the signed text); LogNotPublished without one."""
        return self._published()[1]

    def _signed_size(self, size: int | None, field: str) -> tuple[int, dict[str, Any] | None]:
        """A tree size the latest checkpoint covers, and that checkpoint's JSON when it is of that size."""
        latest, as_json = self._published()
        tree = latest.size if size is None else size
        if not 1 <= tree <= latest.size:
            raise InvalidInput(field, f"a tree size from 1 to {latest.size} (the latest signed checkpoint's size)")
        return tree, as_json if tree == latest.size else None

    # ---------------------------------------------------------------- proofs
    def inclusion(self, reference: str, size: int | None = None) -> dict[str, Any]:
        """A document's latest event against a signed tree size (default: the latest checkpoint's)."""
        tree, signed = self._signed_size(size, "size")
        return {**self._read(lambda _: self.ledger.inclusion(reference, tree)), "checkpoint": signed}

    def consistency(self, old: int, new: int | None = None) -> dict[str, Any]:
        """RFC 6962 consistency between two tree sizes, the newer at most the latest checkpoint's."""
        second, signed = self._signed_size(new, "new")
        if not 1 <= old <= second:
            raise InvalidInput("old", f"a tree size from 1 to {second} (new)")

        def prove(t: TransparencyLog) -> dict[str, Any]:
            return {"old_size": old, "new_size": second, "old_root": t.root(old).hex(),
                    "new_root": t.root(second).hex(), "proof": [h.hex() for h in t.consistency_proof(old, second)]}

        return {**self._read(prove), "checkpoint": signed}

    def for_document(self, reference: str, state: object) -> dict[str, Any] | None:
        """The inclusion a verification answer carries: against the latest checkpoint, or None without one.

        `state` is the document's cached view: a new object whenever the document changed.
        """
        latest = self.latest()
        if latest is None:
            return None
        # A read model row is a new object on every read: its aggregate's version and leaf tell the same state.
        marker = (state.version, state.position) if isinstance(state, VerificationRecord) else state
        known = self._inclusions.get(reference)
        if known is not None and known[1] == latest.size and (
                known[0] == marker if isinstance(marker, tuple) else known[0] is marker):
            return known[2]
        try:
            if isinstance(state, VerificationRecord) and self.records is not None:
                answer = self._from_record(state, latest)
            else:
                answer = self.inclusion(reference, latest.size)
        except (LogNotPublished, LedgerError):  # the verdict stands without it; the log endpoints say why
            return None
        if len(self._inclusions) >= self.cache_size:
            self._inclusions.clear()
        self._inclusions[reference] = (marker, latest.size, answer)
        return answer

    def _from_record(self, record: VerificationRecord, latest: Checkpoint) -> dict[str, Any]:
        """The inclusion `ledger.inclusion` gives, from the row's leaf and the proof's nodes read in one query."""
        records = self.records
        assert records is not None
        tree = self._tree
        if tree is None or tree.size != latest.size:
            tree = self._tree = TreeAtSize(latest.size, records.nodes, records.upper_nodes)
        head = self._published()
        signed = head[1] if latest.size == head[0].size else None
        position = record.position
        if position is None or position >= tree.size or record.leaf_hash is None:
            state, leaf, fields, proof = "pending", None, None, []
        else:
            hashes = tree.inclusion_proof(position, record.path_nodes)
            state, leaf, proof = "included", record.leaf_hash.hex(), [h.hex() for h in hashes]
            fields = leaf_fields(record.leaf_record)
        return {"document": record.reference, "state": state, "tree_size": tree.size, "position": position,
                "leaf_hash": leaf, "leaf": fields, "proof": proof, "root": tree.root_hex, "checkpoint": signed}
