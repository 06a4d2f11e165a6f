"""The transparency log as the service publishes it: signed checkpoints, inclusion and consistency proofs,
and the inclusion on each verification answer. Proofs are checked with the independent RFC 6962 verifier
of tests/audit against leaves computed here from the stored event rows, and checkpoint signatures with
`cryptography` against the key the published trust list names."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import struct
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from ledger.application import CertLedger
from tests.audit.rfc6962 import mth, verify_consistency, verify_inclusion
from tests.signing.conftest import JINAN
from tests.verify_api.conftest import Home
from tests.verify_api.served import forge
from verify_api.app import create_app

NUMBER = "1915010000000741"
HOLDER = "刘建国"  # the holder of every document here (tests/signing/conftest.py): the inclusion route asks it
PROOF = f"SM-{NUMBER}-01"


def stored_records(home: Home) -> list[tuple[str, int, bytes]]:
    """(aggregate id, version, the record the log hashes), in store order, straight from the tables: leaf
    scheme 2, the header and the SHA-256 of the leaf's salt and the stored state (written out here, not
    ledger.leaves's)."""
    with sqlite3.connect(home.path / "ledger.sqlite") as conn:
        rows = conn.execute("SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, l.salt FROM "
                            "stored_events e JOIN log_leaves l ON l.notification_id = e.rowid "
                            "ORDER BY l.position").fetchall()
    out = []
    for nid, oid, version, topic, state, salt in rows:
        t = topic.encode()
        digest = hashlib.sha256(bytes(salt) + bytes(state)).digest()
        out.append((str(uuid.UUID(str(oid))), version,
                    bytes(16) + struct.pack(">Q", nid) + uuid.UUID(str(oid)).bytes + struct.pack(">QI", version, len(t))
                    + t + digest))
    return out


def signature_ok(home: Home, checkpoint: dict[str, Any]) -> bool:
    """The log key's Ed25519 signature over `body`, checked with `cryptography` against the published log.vkey
    (the key `key_id` names: `<name>+<hex id>`, the verifier key's first two parts)."""
    vkey = (home.path / "keys" / "log.vkey").read_text().strip()
    name, key_hash, key64 = vkey.split("+", 2)
    if checkpoint["key_id"] != f"{name}+{key_hash}":
        return False
    public_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(key64)[1:])
    try:
        public_key.verify(base64.b64decode(checkpoint["signature"]), checkpoint["body"].encode())
    except InvalidSignature:
        return False
    return True


def included(answer: dict[str, Any], records: list[tuple[str, int, bytes]]) -> bool:
    """The answer's leaf is the stored record at its position, and its path leads to the tree's root."""
    size, position = answer["tree_size"], answer["position"]
    root = mth([r[2] for r in records[:size]])
    leaf = hashlib.sha256(b"\x00" + records[position][2]).digest()
    return (answer["root"] == root.hex() and answer["leaf_hash"] == leaf.hex()
            and verify_inclusion(leaf, position, size, [bytes.fromhex(h) for h in answer["proof"]], root))


@pytest.fixture
def logged(home: Home) -> Home:
    home.proof(NUMBER)
    home.checkpoint()
    return home


def log_client(home: Home, **settings: Any) -> TestClient:
    return TestClient(create_app(home.settings(log_reload_seconds=0, **settings)))


def test_the_latest_checkpoint_is_signed_by_the_log_key_over_the_stored_events(logged: Home) -> None:
    with log_client(logged) as client:
        r = client.get("/api/v1/log/checkpoint")
    assert r.status_code == 200, r.text
    cp = r.json()
    records = stored_records(logged)
    assert cp["size"] == len(records) and cp["root"] == mth([rec[2] for rec in records]).hex()
    assert cp["body"].splitlines()[1:3] == [str(cp["size"]), base64.b64encode(bytes.fromhex(cp["root"])).decode()]
    assert signature_ok(logged, cp)
    assert not signature_ok(logged, {**cp, "body": cp["body"].replace(str(cp["size"]), str(cp["size"] + 1), 1)})


def test_a_proofs_inclusion_verifies_independently_and_its_leaf_is_its_latest_event(logged: Home) -> None:
    with log_client(logged) as client:
        answer = client.get("/api/v1/log/inclusion", params={"name": HOLDER, "document": PROOF}).json()
        checkpoint = client.get("/api/v1/log/checkpoint").json()
    records = stored_records(logged)
    assert answer["state"] == "included" and answer["document"] == PROOF
    assert answer["tree_size"] == checkpoint["size"] and answer["checkpoint"] == checkpoint
    assert included(answer, records)
    # The leaf is the proof's newest event: its signature, the last of its stream.
    leaf_oid, leaf_version, _ = records[answer["position"]]
    assert leaf_version == max(v for oid, v, _ in records if oid == leaf_oid) == 2


def test_a_bare_certificate_number_means_its_current_edition(logged: Home) -> None:
    number = "1915010000000747"
    logged.office.issue(number, "焊工")  # in the catalog: reissued as edition 2 under the same number
    logged.office.app.reissue(JINAN, number)
    logged.checkpoint()
    with log_client(logged) as client:
        bare = client.get("/api/v1/log/inclusion", params={"name": HOLDER, "document": number}).json()
        first = client.get("/api/v1/log/inclusion", params={"name": HOLDER, "document": f"{number}#1"}).json()
    assert bare["document"] == f"{number}#2" and first["document"] == f"{number}#1"
    records = stored_records(logged)
    assert included(bare, records) and included(first, records) and bare["position"] != first["position"]


def test_an_answer_against_an_older_tree_verifies_against_that_trees_root(logged: Home) -> None:
    first = logged.checkpoint()
    logged.proof("1915010000000742")
    logged.checkpoint()
    with log_client(logged) as client:
        answer = client.get("/api/v1/log/inclusion",
                            params={"name": HOLDER, "document": PROOF, "size": first.size}).json()
    assert answer["tree_size"] == first.size and answer["checkpoint"] is None  # not the latest checkpoint
    assert answer["root"] == first.root.hex() and included(answer, stored_records(logged))


def test_consistency_between_two_checkpoints_verifies_independently(logged: Home) -> None:
    old = logged.checkpoint()
    logged.proof("1915010000000743")
    new = logged.checkpoint()
    with log_client(logged) as client:
        c = client.get("/api/v1/log/consistency", params={"old": old.size}).json()
        explicit = client.get("/api/v1/log/consistency", params={"old": old.size, "new": new.size}).json()
    assert c == explicit and (c["old_size"], c["new_size"]) == (old.size, new.size)
    assert (c["old_root"], c["new_root"]) == (old.root.hex(), new.root.hex())
    assert c["checkpoint"]["root"] == new.root.hex()
    proof = [bytes.fromhex(h) for h in c["proof"]]
    assert verify_consistency(old.size, new.size, old.root, new.root, proof)
    assert not verify_consistency(old.size, new.size, hashlib.sha256(b"rewritten").digest(), new.root, proof)


def test_a_change_after_the_checkpoint_is_pending_until_the_next_one(logged: Home) -> None:
    signed = logged.proof("1915010000000744")  # recorded and signed after the checkpoint
    with log_client(logged) as client:
        before = client.get(f"/api/v1/verify/{signed.token}").json()
        assert before["outcome"] == "current"
        assert before["log"]["state"] == "pending" and before["log"]["proof"] == []
        assert "待记入下一个透明日志检查点" in client.get(f"/v/{signed.token}").text
        logged.checkpoint()
        after = client.get(f"/api/v1/verify/{signed.token}").json()
    assert after["log"]["state"] == "included" and included(after["log"], stored_records(logged))
    assert after["log"]["tree_size"] == after["log"]["checkpoint"]["size"] > before["log"]["tree_size"]


def test_every_verification_answer_carries_its_inclusion(logged: Home) -> None:
    signed = logged.proof("1915010000000745")
    logged.office.app.revoke(JINAN, "SM-1915010000000745-01", "issued on a forged application")
    logged.checkpoint()
    records = stored_records(logged)
    with log_client(logged) as client:
        token = client.get(f"/api/v1/verify/{signed.token}").json()
        upload = client.post("/api/v1/verify/pdf", files={"file": ("p.pdf", signed.pdf, "application/pdf")}).json()
        page = client.get(f"/v/{signed.token}").text
    assert token["outcome"] == upload["outcome"] == "revoked"
    assert token["log"] == upload["log"] and included(token["log"], records)
    # The revocation is the proof's latest event: the log vouches for the status shown, not the issuance only.
    assert records[token["log"]["position"]][1] == 3
    assert f"第 {token['log']['position'] + 1:,} 条，共 {token['log']['tree_size']:,} 条" in page


def test_a_forged_code_carries_no_inclusion(logged: Home) -> None:
    with log_client(logged) as client:
        signed = logged.proof("1915010000000746")
        logged.checkpoint()
        v = client.get(f"/api/v1/verify/{forge(signed.token)}").json()
    assert v["outcome"] == "not-genuine" and v["log"] is None


def test_without_a_checkpoint_or_a_log_the_endpoints_are_404_and_answers_carry_none(home: Home) -> None:
    signed = home.proof(NUMBER)  # the home's ledger keeps no log: its tables do not exist
    with log_client(home) as client:
        for path in ("/api/v1/log/checkpoint", f"/api/v1/log/inclusion?document={PROOF}&name={quote(HOLDER)}",
                     "/api/v1/log/consistency?old=1"):
            r = client.get(path)
            assert r.status_code == 404 and r.json()["error"] == "log_not_published", (path, r.text)
        assert client.get(f"/api/v1/verify/{signed.token}").json()["log"] is None
    home.checkpoint()
    with log_client(home, transparency_log=False) as client:
        r = client.get("/api/v1/log/checkpoint")
        assert r.status_code == 404 and "switched off" in r.json()["message"]
        assert client.get(f"/api/v1/verify/{signed.token}").json()["log"] is None
    with log_client(home) as client:
        assert client.get("/api/v1/log/checkpoint").status_code == 200


def test_a_log_with_tables_but_no_checkpoint_yet_is_not_published(home: Home) -> None:
    home.proof(NUMBER)
    writer = CertLedger(env=home.env, transparency_log=True)
    assert writer.translog is not None
    writer.translog.catch_up(writer.recorder)
    writer.close()
    with log_client(home) as client:
        r = client.get("/api/v1/log/checkpoint")
    assert r.status_code == 404 and "no signed checkpoint" in r.json()["message"]


@pytest.mark.parametrize(("endpoint", "params", "field"), [
    ("inclusion", {"document": PROOF, "size": 10_000}, "size"),
    ("inclusion", {"document": PROOF, "size": 0}, "size"),
    ("inclusion", {"document": "SM-1;DROP"}, "document"),
    ("inclusion", {"document": "x" * 49}, "document"),
    ("inclusion", {}, "document"),
    ("consistency", {"old": 3, "new": 2}, "old"),
    ("consistency", {"old": 1, "new": 10_000}, "new"),
    ("consistency", {"old": 0}, "old"),
    ("consistency", {"old": "x"}, "old"),
    ("consistency", {}, "old"),
])
def test_bad_proof_requests_are_422_naming_the_field(logged: Home, endpoint: str, params: dict[str, Any],
                                                      field: str) -> None:
    if endpoint == "inclusion":
        params = {"name": HOLDER, **params}  # the holder's name beside the document: the rest is as before
    with log_client(logged) as client:
        r = client.get(f"/api/v1/log/{endpoint}", params=params)
    assert r.status_code == 422, r.text
    assert field in [p["loc"][-1] for p in r.json()["problems"]]


@pytest.mark.parametrize("document", ["1915010000009999", "SM-1915010000009999-01", f"{NUMBER}#7", f"{NUMBER}#0"])
def test_an_unknown_document_is_404(logged: Home, document: str) -> None:
    with log_client(logged) as client:
        r = client.get("/api/v1/log/inclusion", params={"name": HOLDER, "document": document})
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_a_lost_log_connection_is_a_404_once_then_the_worker_reconnects(logged: Home) -> None:
    with log_client(logged) as client:
        assert client.get("/api/v1/log/checkpoint").status_code == 200
        store = client.app.state.service.ledger.translog.store  # type: ignore[attr-defined]
        store.conn.close()  # as a database restart leaves it
        lost = client.get("/api/v1/log/checkpoint")
        assert lost.status_code == 404 and "unavailable" in lost.json()["message"]
        assert client.get("/api/v1/log/checkpoint").status_code == 200
