"""Bodies every endpoint may send: errors and the health answer."""

from __future__ import annotations

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


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    trust_list_issued_at: str
    keys: int
