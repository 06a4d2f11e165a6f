"""The README's verifier code, run as it stands there against the service's verdicts: a client rebuilds the
leaf from the verdict's header and state digest and folds the inclusion proof to the signed note's root.
What the verdict shows of the leaf gives no handle on the ID number."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.signing.conftest import JINAN
from tests.verify_api.conftest import ID_NUMBER, Home
from tests.verify_api.test_log import log_client

README = Path(__file__).resolve().parents[2] / "README.md"
NUMBER = "1915010000000761"
HOLDER = "刘建国"


def readme_snippet() -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- verifier-snippet -->\n```python\n(.*?)```\n<!-- /verifier-snippet -->", text, re.S)
    assert found, "the README's verifier snippet (between its markers) is gone"
    return found.group(1)


@pytest.fixture(scope="module")
def log_proves() -> Callable[[dict[str, Any]], bool]:
    namespace: dict[str, Any] = {}
    exec(compile(readme_snippet(), str(README), "exec"), namespace)  # noqa: S102  # the README's own code
    imported = set(re.findall(r"^import (.+)$", readme_snippet(), re.M)[0].replace(" ", "").split(","))
    assert imported == {"base64", "hashlib"}  # nothing beyond the standard library's two
    return namespace["log_proves"]  # type: ignore[no-any-return]


@pytest.fixture
def verdicts(home: Home) -> tuple[Home, dict[str, Any], dict[str, Any]]:
    """A revoked proof's token verdict and upload verdict, both carrying the log, and the home."""
    signed = home.proof(NUMBER)
    home.office.app.revoke(JINAN, f"SM-{NUMBER}-01", "issued on a forged application")
    home.checkpoint()
    with log_client(home) as client:
        token = client.get(f"/api/v1/verify/{signed.token}").json()
        upload = client.post("/api/v1/verify/pdf", files={"file": ("p.pdf", signed.pdf, "application/pdf")}).json()
    return home, token, upload


def test_the_readme_code_proves_a_real_verdicts_leaf_against_the_signed_root(
        verdicts: tuple[Home, dict[str, Any], dict[str, Any]], log_proves: Callable[[dict[str, Any]], bool]) -> None:
    _, token, upload = verdicts
    assert token["outcome"] == upload["outcome"] == "revoked"
    assert log_proves(token) and log_proves(upload)
    leaf = token["log"]["leaf"]
    # The header ties the proof to the status shown: the proof's revocation, its third event.
    assert leaf["scheme"] == 2 and leaf["topic"].endswith(":Document.Revoked") and leaf["version"] == 3


@pytest.mark.parametrize("change", [
    ("topic", lambda v: v.replace("Revoked", "Signed")),  # a status the log did not record
    ("version", lambda v: v - 1),
    ("notification_id", lambda v: v + 1),
    ("aggregate_id", lambda v: v[:-1] + ("0" if v[-1] != "0" else "1")),
    ("state_digest", lambda v: ("0" if v[0] != "0" else "1") + v[1:]),
])
def test_the_readme_code_refuses_a_verdict_whose_leaf_was_changed(
        verdicts: tuple[Home, dict[str, Any], dict[str, Any]], log_proves: Callable[[dict[str, Any]], bool],
        change: tuple[str, Callable[[Any], Any]]) -> None:
    _, token, _ = verdicts
    altered = copy.deepcopy(token)
    key, how = change
    altered["log"]["leaf"][key] = how(altered["log"]["leaf"][key])
    assert not log_proves(altered)


def test_the_readme_code_refuses_another_position_or_root(
        verdicts: tuple[Home, dict[str, Any], dict[str, Any]], log_proves: Callable[[dict[str, Any]], bool]) -> None:
    _, token, _ = verdicts
    moved = copy.deepcopy(token)
    moved["log"]["position"] ^= 1
    other = copy.deepcopy(token)
    lines = other["log"]["checkpoint"]["note"].split("\n")
    lines[2] = lines[2][:-4] + ("AAA=" if not lines[2].endswith("AAA=") else "BBB=")
    other["log"]["checkpoint"]["note"] = "\n".join(lines)
    assert not log_proves(moved) and not log_proves(other)


def test_the_state_digest_is_salted_and_the_verdict_holds_neither_salt_nor_id_number(
        verdicts: tuple[Home, dict[str, Any], dict[str, Any]]) -> None:
    home, token, _ = verdicts
    leaf = token["log"]["leaf"]
    with sqlite3.connect(home.path / "ledger.sqlite") as conn:
        state, salt = conn.execute("SELECT e.state, l.salt FROM stored_events e JOIN log_leaves l ON "
                                   "l.notification_id = e.rowid WHERE e.rowid = ?",
                                   (leaf["notification_id"],)).fetchone()
    assert len(salt) == 16
    assert leaf["state_digest"] == hashlib.sha256(salt + state).hexdigest()
    assert leaf["state_digest"] != hashlib.sha256(state).hexdigest()  # not testable against a guessed state
    text = json.dumps(token, ensure_ascii=False)
    assert ID_NUMBER not in text and salt.hex() not in text
