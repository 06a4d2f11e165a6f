"""Content-addressed store for attached files (photos, scans, signatures).

Files live beside the event store under their SHA-256; events keep only the hash,
so a changed or missing file is caught when it is checked.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from enum import StrEnum
from pathlib import Path

from ledger.errors import AttachmentError

_CHUNK = 1 << 20


class BlobState(StrEnum):
    OK = "ok"
    MISSING = "missing"
    CHANGED = "changed"


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put_file(self, source: Path) -> str:
        """Copy a file in; returns its SHA-256 hex digest."""
        try:
            data = Path(source).read_bytes()
        except OSError as e:
            raise AttachmentError(f"cannot read attachment {source}: {e.strerror}") from None
        return self.put_bytes(data)

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists() and self.check(digest) is BlobState.OK:
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def check(self, sha256: str) -> BlobState:
        target = self.path(sha256)
        if not target.is_file():
            return BlobState.MISSING
        h = hashlib.sha256()
        with target.open("rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
        return BlobState.OK if h.hexdigest() == sha256 else BlobState.CHANGED

    def read(self, sha256: str) -> bytes:
        state = self.check(sha256)
        if state is not BlobState.OK:
            raise AttachmentError(f"attachment {sha256[:12]}… is {state.value}")
        return self.path(sha256).read_bytes()
