"""The verification records: counts per document, minute and outcome, nothing personal; forged codes apart."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.verify_api.conftest import ID_NUMBER, Home, verdict
from tests.verify_api.served import forge
from verify_api.app import create_app


# ---------------------------------------------------------------------------- records
def counts(home: Home) -> list[tuple[str, str, str, str, int]]:
    with sqlite3.connect(home.path / "verifications.sqlite") as conn:
        return conn.execute("SELECT * FROM verification_counts ORDER BY reference, outcome, via").fetchall()


@pytest.fixture
def recording(home: Home) -> Iterator[tuple[Home, TestClient]]:
    with TestClient(create_app(home.settings())) as client:
        yield home, client


def test_each_verification_is_counted_by_document_minute_and_outcome_and_nothing_personal(
        recording: tuple[Home, TestClient]) -> None:
    home, client = recording
    signed = home.proof("1915010000000749")
    for _ in range(3):
        client.get(f"/v/{signed.token}")
    client.get(f"/api/v1/verify/{forge(signed.token)}")
    client.post("/api/v1/verify/pdf", files={"file": ("p.pdf", signed.pdf)})
    client.get("/api/v1/certificates", params={"number": "1915010000000749", "name": "刘建国"})
    client.app.state.service.recorder.flush()  # type: ignore[attr-defined]
    rows = counts(home)
    minute = rows[0][1]
    assert len(minute) == len("2026-11-22T04:17Z") and minute.endswith("Z")
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("-", "not-genuine", "token", 1),  # the forged code names this document, but counts as forged (issue 14)
        ("1915010000000749#1", "current", "lookup", 1),
        ("SM-1915010000000749-01", "current", "pdf", 1),
        ("SM-1915010000000749-01", "current", "token", 3),
    ]
    raw = (home.path / "verifications.sqlite").read_bytes()
    assert "刘建国".encode() not in raw and ID_NUMBER.encode() not in raw and b"testclient" not in raw


def test_a_forged_code_naming_no_real_document_is_counted_under_a_dash(recording: tuple[Home, TestClient]) -> None:
    home, client = recording
    other = home.proof("1915010000000750").token
    raw = bytearray(base64.b32decode(other + "=" * (-len(other) % 8)))
    raw[raw.index(b"SM-1915010000000750-01")] = ord("X")  # the claim changed: the signature no longer holds
    client.get("/api/v1/verify/" + base64.b32encode(bytes(raw)).decode().rstrip("="))
    client.app.state.service.recorder.flush()  # type: ignore[attr-defined]
    assert [(r[0], r[2]) for r in counts(home)] == [("-", "not-genuine")]


def test_records_can_be_switched_off(home: Home) -> None:
    token = home.proof("1915010000000751").token
    with TestClient(create_app(home.settings(verify_records=False))) as client:
        assert verdict(client, token)["outcome"] == "current"
        assert client.app.state.service.recorder is None  # type: ignore[attr-defined]
    assert not (home.path / "verifications.sqlite").exists()
