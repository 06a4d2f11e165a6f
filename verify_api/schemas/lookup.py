"""The answer to a number + name lookup: masked, like the national query service."""

from __future__ import annotations

from pydantic import BaseModel, Field

from verify_api.schemas.verification import AuthorityOut, RevokedOut, SupersededOut


class LookupOut(BaseModel):
    number: str
    reference: str
    kind: str
    kind_label: str
    holder_name: str
    id_number_masked: str = Field(examples=["370124XXXXXXXXXXXX"])
    occupation: str
    level: str
    issue_date: str
    authority: AuthorityOut
    status: str = Field(description="current, superseded or revoked")
    status_label: str
    superseded: SupersededOut | None
    revoked: RevokedOut | None
