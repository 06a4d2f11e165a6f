"""How a document is named: one value for the reference that joins a PDF, its token, the
signed-file record and the transparency log.

A certificate edition is `NUMBER#EDITION` (`1807000000103353#2`); a proof is its own number
(`SM-1915010000123456-01`). A bare certificate number (no `#`) names the current edition and
is only accepted where a query says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ledger.errors import InvalidInput, NotFound

# Proof numbers are <prefix>-<certificate number>-<serial>; the prefixes are the proof kinds'.
PROOF_PREFIXES = ("SM-", "CJ-", "ZG-")
REQUEST_PREFIX = "SQ-"


def normalise_number(text: str) -> str:
    """A number as clerks type it (spaces around, lower case) as the ledger keeps it."""
    return text.strip().upper()


class NumberKind(StrEnum):
    CERTIFICATE = "certificate"
    PROOF = "proof"
    REQUEST = "request"


def kind_of_number(number: str) -> NumberKind:
    """What a (normalised) number names, by its prefix."""
    if number.startswith(PROOF_PREFIXES):
        return NumberKind.PROOF
    if number.startswith(REQUEST_PREFIX):
        return NumberKind.REQUEST
    return NumberKind.CERTIFICATE


@dataclass(frozen=True, slots=True)
class DocumentReference:
    """A certificate edition (number and edition) or a proof (number, no edition)."""

    number: str
    edition: int | None = None

    @classmethod
    def certificate(cls, number: str, edition: int) -> DocumentReference:
        return cls(number, edition)

    @classmethod
    def proof(cls, number: str) -> DocumentReference:
        return cls(number, None)

    @classmethod
    def parse(cls, text: str, *, bare_allowed: bool = False) -> DocumentReference:
        """`NUMBER#EDITION` or a proof number; with `bare_allowed`, a bare certificate number too
        (edition None: the current one). A malformed edition is NotFound, as no such edition exists."""
        number, hash_sign, edition = normalise_number(text).partition("#")
        if not number:
            raise InvalidInput("document", "a certificate number#edition or a proof number")
        if kind_of_number(number) is NumberKind.PROOF:
            if hash_sign:
                raise NotFound(f"no edition {edition} of proof {number}: a proof has no editions")
            return cls(number)
        if not hash_sign:
            if bare_allowed:
                return cls(number)
            raise InvalidInput("document", f"{number}: a certificate is named with its edition, NUMBER#EDITION")
        if not (edition.isascii() and edition.isdigit() and 0 < int(edition) < 10_000):
            raise NotFound(f"no edition {edition} of {number}")
        return cls(number, int(edition))

    @property
    def is_proof(self) -> bool:
        return kind_of_number(self.number) is NumberKind.PROOF

    def __str__(self) -> str:
        return self.number if self.edition is None else f"{self.number}#{self.edition}"
