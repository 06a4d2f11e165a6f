"""The checkpoint history as the service publishes it: the append-only file `certledger audit checkpoint`
writes outside the database, byte for byte, and its latest note (with the witnesses' cosignatures that
`audit add-cosignature` attached) for the checkpoint the ledger holds.

The service reads the file and the log's public key (`<keys>/log.vkey`) only; it never writes either. The
file is read again when its size or modification time changes.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from keys.errors import KeysError
from keys.notekeys import log_verifier
from keys.store import KeyStore
from keys.tlog import CheckpointHistory, SignedCheckpoint

MAX_HISTORY = 64 << 20  # served whole; a checkpoint an hour for ten years is ~30 MB


class PublishedHistory:
    def __init__(self, path: Path, keys_dir: Path) -> None:
        self.path = path
        self.keys_dir = keys_dir
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._data: bytes | None = None
        self._latest: SignedCheckpoint | None = None

    def _refresh(self) -> None:
        try:
            st = os.stat(self.path)
            stamp: tuple[int, int] | None = (st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp:
            return
        data = latest = None
        if stamp is not None and stamp[0] <= MAX_HISTORY:
            data = self.path.read_bytes()
            try:
                latest = CheckpointHistory(self.path, log_verifier(KeyStore(self.keys_dir))).latest()
            except KeysError:  # no log key here, or a last line that does not verify: serve the file, no note
                latest = None
        self._stamp, self._data, self._latest = stamp, data, latest

    def data(self) -> bytes | None:
        """The whole file (None when there is none)."""
        with self._lock:
            self._refresh()
            return self._data

    def latest(self) -> SignedCheckpoint | None:
        """The history's last checkpoint, verified with the log key (None without a file or a key)."""
        with self._lock:
            self._refresh()
            return self._latest
