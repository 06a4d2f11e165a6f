"""One path from ledger drafts to signed, recorded documents: sign -> keep -> commit -> publish.

The command (`prove --out`, `ecert`, `prove-batch`: cli.sign_and_record) keeps each PDF as a file beside
its place and moves it there once recorded; the console keeps it in the attachment store. Either way the
ledger records the signed file in the same save as the document, and a failed record publishes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Any

from ledger.app_signing import Draft
from ledger.domain import china_date
from ledger.errors import RuleViolation
from ledger.views import SignedFileView
from signing.pipeline import BatchPool, SignerKey, SigningJob

# Given a draft and its signed PDF: a context in which the ledger records it, yielding what publishes it.
Keep = Callable[[Draft, bytes], AbstractContextManager[Callable[[], Any]]]


@dataclass(frozen=True)
class SignedDocument:
    record: SignedFileView
    draft: Draft
    sha256: str
    url: str
    kept: Any  # what `keep`'s publish returned (the file's path, the attachment's hash)


def sign_and_record(ledger: Any, who: Any, drafts: Sequence[Draft], key: SignerKey, keep: Keep, *,
                    verify_base_url: str, tsa_url: str | None = None, workers: int = 1,
                    done: Callable[[], None] = lambda: None) -> list[SignedDocument]:
    """Sign every draft with the office key, keep each PDF as `keep` does, record them all in one save
    (ledger.commit_signed_batch), then publish each: a failed sign, keep or record publishes nothing."""
    with ExitStack() as kept, BatchPool(key, verify_base_url, workers=workers, timestamp_url=tsa_url) as pool:
        jobs = (SigningJob(d.view, d.reference, china_date(d.at)) for d in drafts)
        signed, publishers = [], []
        for draft, document in zip(drafts, pool.map(jobs), strict=True):
            publishers.append(kept.enter_context(keep(draft, document.pdf)))
            signed.append((draft, document))
            done()
        records = ledger.commit_signed_batch(who, [(d, s.sha256, s.token) for d, s in signed])
        return [SignedDocument(record, draft, document.sha256, document.url, publish())
                for record, (draft, document), publish in zip(records, signed, publishers, strict=True)]


def one_key(drafts: Sequence[Draft]) -> str:
    """The key the ledger chose for every draft (the office's key that may sign at the draft's time)."""
    kids = sorted({d.key.kid for d in drafts})
    if len(kids) > 1:
        raise RuleViolation("one-key-per-batch", f"the office's signing key changed while the batch was drafted "
                            f"({', '.join(kids)}); nothing was signed", "run the batch again")
    return kids[0]
