"""Document views for the Verifier, kept in memory until the ledger changes.

A verification reads one view (`document_by_reference`). The service keeps the views it has
read and asks the store whether anything changed since (verify_api.changes: SQLite's `PRAGMA
data_version`, PostgreSQL's current snapshot): any commit by a command or another process (on
PostgreSQL any write on the cluster) empties the cache. It asks at most every `check_every`
seconds (10 ms by default, `CERTLEDGER_CACHE_CHECK_SECONDS`; 0 asks before every use): asked per
request, the question cost 9 % of the token endpoint's throughput on SQLite, measured, and no
person or command can act on a revocation within 10 ms of it. A view read while the cache was
emptied is not kept (it may predate the change). Documents not yet in the cache are always read
from the store.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from ledger.application import CertLedger
from ledger.readmodel import Reader
from ledger.verification_record import VerificationRecord
from ledger.views import CertificateView, ProofView, SignedFileView
from verify_api.changes import Changes

Document = CertificateView | ProofView | VerificationRecord


class DocumentSource(Protocol):
    def document_by_reference(self, reference: str) -> Document: ...


class RecordSource:
    """Documents from the verification read model: one indexed read of the row (and its log leaf).

    A reference with no row (a validly signed token naming a document never recorded, or a reference
    written otherwise than the ledger writes it) is asked of the ledger, which answers as before."""

    def __init__(self, reader: Reader, ledger: CertLedger, tree_size: Callable[[], int | None] | None = None) -> None:
        self.reader = reader
        self.ledger = ledger
        self.tree_size = tree_size  # the latest signed checkpoint's: the row comes with its proof's nodes

    def document_by_reference(self, reference: str) -> Document:
        size = self.tree_size() if self.tree_size is not None else None
        record = self.reader.record(reference) if size is None else self.reader.record_with_path(reference, size)
        if record is not None:
            return record
        return self.ledger.document_by_reference(reference)  # NotFound for a document never recorded


class CachedViews:
    """The Verifier's LedgerReader: `document_by_reference` from memory while the store is unchanged."""

    def __init__(self, ledger: CertLedger, changes: Changes | None, maxsize: int = 4096,
                 check_every: float = 0.0, clock: Callable[[], float] = time.monotonic,
                 source: DocumentSource | None = None) -> None:
        self.ledger = ledger
        self.source: DocumentSource = source or ledger  # the verification read model, or the ledger's own reads
        self.changes = changes
        self.maxsize = maxsize
        self.check_every = check_every
        self._clock = clock
        self._next_check = 0.0
        self._views: OrderedDict[str, Document] = OrderedDict()
        self._emptied = 0  # how often the cache was emptied: a view read across an emptying is not kept
        self._lock = threading.Lock()  # PDF checks read from worker threads

    def document_by_reference(self, reference: str) -> Document:
        """The view the ledger would give now (NotFound and friends propagate unchanged)."""
        if self.changes is None or self.maxsize <= 0:
            return self.source.document_by_reference(reference)
        with self._lock:
            self._check(self._clock())
            view = self._views.get(reference)
            if view is not None:
                self._views.move_to_end(reference)
                return view
            emptied = self._emptied
        view = self.source.document_by_reference(reference)
        with self._lock:
            if emptied != self._emptied:
                return view  # read before a change was seen: served once, not kept
            self._views[reference] = view
            if len(self._views) > self.maxsize:
                self._views.popitem(last=False)
        return view

    def _check(self, now: float) -> None:
        """Ask the store whether it changed, when a question is due; empty the cache if it did. Under the lock."""
        assert self.changes is not None
        if now >= self._next_check:
            self._next_check = now + self.check_every
            if self.changes.changed():
                self._views.clear()
                self._emptied += 1

    def generation(self) -> int | None:
        """How often the cache was emptied, after the question that is due (if one is): a number that moves
        with every change of the store seen. None when asking would wait on the network (PostgreSQL without its
        poller) or there is no cache."""
        if self.changes is None or self.maxsize <= 0:
            return None
        with self._lock:
            now = self._clock()
            if now >= self._next_check and not self.changes.local:
                return None
            self._check(now)
            return self._emptied

    def signed_file(self, sha256: str) -> SignedFileView | None:
        return self.ledger.signed_file(sha256)

    def close(self) -> None:
        if self.changes is not None:
            self.changes.close()
