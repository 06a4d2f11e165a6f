"""The answer to a verification of a token or a PDF."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Outcome = Literal["current", "superseded", "revoked", "not-genuine"]


class CheckOut(BaseModel):
    check: str = Field(description="format, token, signature, chain, key_window, recorded, qr_token or status")
    label: str = Field(description="The check's name in Chinese.")
    ok: bool
    detail: str


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
