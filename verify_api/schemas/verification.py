"""The answer to a verification of a token or a PDF."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from signing.checks import Reason

Outcome = Literal["current", "superseded", "revoked", "not-genuine"]


class CheckOut(BaseModel):
    check: str = Field(description="format, token, signature, chain, key_window, recorded, qr_token or status")
    label: str = Field(description="The check's name in Chinese.")
    ok: bool
    detail: str
    reason: Reason | None = Field(description="Why the check failed (null when it passed); not-checked when an "
                                              "earlier check failed")


class UnreadablePdfBody(BaseModel):
    """A file that starts as a PDF but cannot be read: its failed `format` check, and nothing else checked."""

    error: str = Field(examples=["unreadable_pdf"])
    message: str
    failed_check: CheckOut


class AuthorityOut(BaseModel):
    code: str
    office: str
    phone: str
    address: str


class DocumentOut(BaseModel):
    """The document's fields; the ID number only masked, as the seed template shows it."""

    reference: str = Field(description="A proof number, or certificate number#edition.")
    kind: str = Field(description="certificate, written, score-pass or qualification")
    kind_label: str
    number: str
    certificate_number: str
    edition: int | None
    holder_name: str
    gender: str
    id_type: str
    id_number_masked: str = Field(examples=["370124XXXXXXXXXXXX"])
    occupation: str
    level: str
    result: str
    issue_date: str
    family: str
    remarks: list[str]
    recorded_at: str | None
    authority: AuthorityOut


class SuccessorOut(BaseModel):
    reference: str
    state: str
    url: str | None = Field(description="The successor's own verification page, when it has a signed document.")


class SupersededOut(BaseModel):
    by: str | None
    at: str | None
    reason: str | None = Field(description="lost, overseas, correction; null for a proof replaced by a newer one")
    reason_label: str
    successor: SuccessorOut | None


class RevokedOut(BaseModel):
    at: str | None
    reason: str | None


class Headline(BaseModel):
    zh: str
    en: str


class CheckpointOut(BaseModel):
    """A signed tree head. `note` is the C2SP tlog-checkpoint signed note: verify it with the log's verifier key
    (`certledger audit log-key`; Go's sumdb/note reads it); `body` is its text and `signature` the log key's
    Ed25519 signature over it. A `legacy` checkpoint has no note: its `signature` (ECDSA P-256, raw r||s) over
    `body` is by the trust list's key `key_id`."""

    size: int
    root: str = Field(description="RFC 6962 Merkle tree hash, hex")
    at: str
    key_id: str
    signature: str = Field(description="base64")
    body: str = Field(examples=["verify.certledger.example/log\n1234\n<root base64>\n"])
    format: Literal["c2sp-checkpoint", "legacy"]
    note: str | None = Field(description="The signed note, cosignatures included (null for a legacy checkpoint)")
    cosignatures: list[str] = Field(description="`<name>+<hex key id>` of each cosignature line the note carries")


class LeafOut(BaseModel):
    """What the leaf hashes, so a client recomputes it (leaf scheme 2): SHA-256 of 0x00, 16 zero bytes, then
    notification_id (8 bytes), aggregate_id (16), version (8), the topic's length (4) and UTF-8, then the 32
    bytes of state_digest; integers big-endian. The state digest is over a random salt the log keeps and the
    stored event, so it tells nothing about the ID number. A scheme-1 leaf (a store written before scheme 2)
    hashes the stored event itself, which is never shown: only its scheme is given."""

    scheme: Literal[1, 2]
    notification_id: int | None = Field(None, description="The event's place in the ledger's event sequence")
    aggregate_id: str | None = Field(None, description="The document's aggregate (UUID)")
    version: int | None = Field(None, description="The aggregate's version this event made")
    topic: str | None = Field(None, description="The event's type, e.g. ledger.documents:Document.Revoked",
                              examples=["ledger.domain:Certificate.Issued"])
    state_digest: str | None = Field(None, description="SHA-256 of the salt and the stored event state, hex")


class InclusionOut(BaseModel):
    """A document's latest event in the log, with its RFC 6962 audit path in the tree of `tree_size` leaves."""

    document: str = Field(description="A proof number, or certificate number#edition.")
    state: Literal["included", "pending"] = Field(
        description="pending: the document's latest event came after this tree (wait for the next checkpoint)")
    tree_size: int
    position: int | None = Field(description="The leaf index (0-based), null when not yet logged.")
    leaf_hash: str | None = Field(description="RFC 6962 leaf hash, hex: recompute it from `leaf`")
    leaf: LeafOut | None = Field(None, description="What the leaf hashes (null while pending)")
    proof: list[str] = Field(description="The audit path, hex, leaf to root")
    root: str
    checkpoint: CheckpointOut | None = Field(description="The signed checkpoint of this tree size, when it is the "
                                                         "latest one")


class ConsistencyOut(BaseModel):
    """RFC 6962 consistency proof: the tree of `old_size` leaves is a prefix of the tree of `new_size`."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]
    checkpoint: CheckpointOut | None


class VerificationOut(BaseModel):
    """Genuine and current, superseded, revoked, or not genuine (with the first failed check)."""

    outcome: Outcome
    genuine: bool
    current: bool
    headline: Headline
    summary: str
    failed_check: CheckOut | None
    document: DocumentOut | None
    superseded: SupersededOut | None
    revoked: RevokedOut | None
    checks: list[CheckOut]
    log: InclusionOut | None = Field(description="The document's inclusion in the transparency log against the "
                                                 "latest signed checkpoint; null when the log is not published or "
                                                 "the document is not genuine")
