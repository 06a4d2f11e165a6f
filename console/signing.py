"""Signing a drafted document with the office key and keeping the PDF in the attachment store, recorded in
the same save as the document (office.signed_files, the path the command's `prove --out` takes too)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from console.state import Console
from ledger.app_signing import Draft
from ledger.errors import InvalidInput
from office.signed_files import SignedDocument, sign_and_record


def sign_proof(console: Console, ledger: Any, who: Any, draft: Draft) -> SignedDocument:
    blobs = ledger.blobs
    if blobs is None:
        raise InvalidInput("attachments", "the console keeps signed PDFs in the attachment store: none configured")

    @contextmanager
    def keep(_: Draft, pdf: bytes) -> Iterator[Callable[[], str]]:
        digest = blobs.put_bytes(pdf)  # content-addressed: kept even if the record fails, and harmless then
        yield lambda: digest

    s = console.settings
    (signed,) = sign_and_record(ledger, who, [draft], console.signer_key(), keep,
                                verify_base_url=s.verify_base_url, tsa_url=s.tsa_url)
    return signed
