"""One path from a ledger draft to a signed file on disk: sign -> stage -> commit -> publish.

`prove --out`, `ecert` and `prove-batch` all go through `sign_and_record`: the key is loaded
once, the documents are signed (in worker processes for a batch), and each is written beside
its place, recorded by the ledger, then moved into place.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cli.wiring import settings, signer_key
from ledger.application import Actor, CertLedger, Draft
from ledger.domain import china_date
from ledger.errors import InvalidInput, RuleViolation
from ledger.views import SignedFileView
from signing.pipeline import BatchPool, SigningJob


@dataclass(frozen=True)
class Recorded:
    """A signed document as the ledger recorded it, and where its file is."""

    record: SignedFileView
    file: Path
    url: str


def sign_and_record(ledger: CertLedger, who: Actor, drafts: Sequence[Draft], place: Callable[[Draft], Path],
                    option: str, *, workers: int = 1, done: Callable[[], None] = lambda: None) -> list[Recorded]:
    """Sign every draft with the office's key and record each with its file (`option` names the place)."""
    if not drafts:
        return []
    s = settings()
    key = signer_key(_one_key(drafts), who.office)
    recorded: list[Recorded] = []
    with BatchPool(key, s.verify_base_url, workers=workers, timestamp_url=s.tsa_url) as pool:
        jobs = (SigningJob(d.view, d.reference, china_date(d.at)) for d in drafts)
        for draft, signed in zip(drafts, pool.map(jobs), strict=True):
            path = place(draft)
            with staged(path, signed.pdf, option) as publish:
                record = ledger.commit_signed(who, draft, signed.sha256, signed.token)
                publish()
            recorded.append(Recorded(record, path, signed.url))
            done()
    return recorded


def _one_key(drafts: Sequence[Draft]) -> str:
    """The key the ledger chose for every draft (the office's key that may sign at the draft's time)."""
    kids = sorted({d.key.kid for d in drafts})
    if len(kids) > 1:
        raise RuleViolation("one-key-per-batch", f"the office's signing key changed while the batch was drafted "
                            f"({', '.join(kids)}); nothing was signed", "run the batch again")
    return kids[0]


@contextmanager
def staged(path: Path, data: bytes, option: str) -> Iterator[Callable[[], Path]]:
    """A signed file written beside its place before the ledger records it, and moved there after.

    A record without its file would be a signed document nobody holds (the signature cannot be made
    again byte for byte), and a file without its record would not verify: so an unwritable place is
    refused before the record, and a failed record removes the staged file.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
    except OSError as e:
        raise InvalidInput(option, f"cannot write {path} ({e.strerror or type(e).__name__})") from None
    try:
        yield lambda: tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
