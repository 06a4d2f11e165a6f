"""Bodies every endpoint may send: errors and the health answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """Every 4xx and 5xx JSON answer: a stable code and one line for people."""

    error: str = Field(examples=["malformed_token"])
    message: str


class ValidationProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    """A request that breaks the documented limits (lengths, patterns, missing fields)."""

    error: str = Field(examples=["invalid_request"])
    message: str
    problems: list[ValidationProblem]


class StoreHealth(BaseModel):
    """A PostgreSQL ledger: whether its server is a hot standby, how far behind, where the service writes."""

    standby: bool
    writes: str = Field(examples=["ledger", "primary", "local"])
    replay_lag_seconds: float | None = None
    last_replayed_at: str | None = None
    received_lsn: str | None = None
    replayed_lsn: str | None = None
    replay_behind_bytes: int | None = None
    receiver: str | None = None


class Health(BaseModel):
    status: str = Field(examples=["ok", "lagging"])
    trust_list_issued_at: str
    keys: int
    read_model: Literal["in use", "off", "missing"] = Field(
        description="Where first scans' verdicts come from: the verification read model (in use), or the events "
                    "(off by CERTLEDGER_READ_MODEL, or missing from the store until `audit rebuild-views`)")
    store: StoreHealth | None = None
