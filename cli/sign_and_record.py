"""One path from a ledger draft to a signed file on disk: sign -> stage -> commit -> publish
(office.signed_files signs and records; this module places the files).

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
from ledger.errors import InvalidInput
from ledger.views import SignedFileView


@dataclass(frozen=True)
class Recorded:
    """A signed document as the ledger recorded it, and where its file is."""

    record: SignedFileView
    file: Path
    url: str


def sign_and_record(ledger: CertLedger, who: Actor, drafts: Sequence[Draft], place: Callable[[Draft], Path],
                    option: str, *, workers: int = 1, done: Callable[[], None] = lambda: None) -> list[Recorded]:
    """Sign every draft with the office's key and record each with its file (`option` names the place)."""
    from office.signed_files import one_key
    from office.signed_files import sign_and_record as sign_and_keep

    if not drafts:
        return []
    s = settings()
    key = signer_key(one_key(drafts), who.office)
    signed = sign_and_keep(ledger, who, drafts, key, lambda d, pdf: staged(place(d), pdf, option),
                           verify_base_url=s.verify_base_url, tsa_url=s.tsa_url, workers=workers, done=done)
    return [Recorded(d.record, d.kept, d.url) for d in signed]


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
        yield lambda: tmp.replace(path)  # the published file's path
    finally:
        tmp.unlink(missing_ok=True)
