"""The auditor's commands: checkpoints, replay, export, an offline bundle, history as of a date."""

from __future__ import annotations

import base64
import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_signing import PASSPHRASES
from tests.e2e.test_cli_story import issue_args


@pytest.fixture
def office(tmp_path: Path) -> Cli:
    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=dict(PASSPHRASES))
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli("keys", "init").code == 0
    for i in range(3):
        args = issue_args(f"19150100000003{i:02d}", "王五", "男", resident_id(serial=i), "焊工", "三级", "2019-06-01")
        assert cli(*args).code == 0
    assert cli("audit", "checkpoint").code == 0
    assert cli("reissue", "1915010000000301").code == 0
    assert cli("audit", "checkpoint").code == 0
    return cli


def test_an_untouched_ledger_audits_clean_and_so_does_its_exported_bundle(office: Cli, tmp_path: Path) -> None:
    r = office("--json", "audit", "verify")
    assert r.code == 0 and r.json()["ok"] and r.json()["checkpoints"] == 2
    bundle = tmp_path / "bundle.jsonl.gz"
    assert office("audit", "export", "--out", str(bundle)).code == 0
    with gzip.open(bundle) as f:
        assert f.readline().startswith(b'{"header"')
    offline = Cli(home=tmp_path / "elsewhere", cwd=tmp_path)  # no database at all
    r = offline("--json", "audit", "verify", "--bundle", str(bundle), "--root",
                str(office.home / "keys" / "root.cert.pem"))
    assert r.code == 0 and r.json()["events"] == office.event_count()
    assert r.json()["saves"] == _saves(office) > 0  # every save's signature, chain and authority checked too


def _saves(office: Cli) -> int:
    with sqlite3.connect(office.db) as conn:
        return int(conn.execute("SELECT count(*) FROM save_signatures").fetchone()[0])


def test_a_bundle_carries_the_save_signatures_and_a_forged_one_fails_offline(office: Cli, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.jsonl.gz"
    assert office("audit", "export", "--out", str(bundle)).code == 0
    with gzip.open(bundle, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    saves = [i for i, line in enumerate(lines) if line.startswith('{"save"')]
    assert len(saves) == _saves(office)
    victim = json.loads(lines[saves[-1]])
    victim["save"][4] = base64.b64encode(b"\0" * 64).decode()  # the reissue's save, its signature replaced
    lines[saves[-1]] = json.dumps(victim)
    forged = tmp_path / "forged.jsonl.gz"
    with gzip.open(forged, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    r = Cli(home=tmp_path / "x", cwd=tmp_path)("audit", "verify", "--bundle", str(forged), "--root",
                                             str(office.home / "keys" / "root.cert.pem"))
    assert r.code == 13 and "forgery: the save signature by 张三 @ 1501 does not verify" in r.out, r.out


def test_a_bundle_path_that_cannot_be_written_is_one_line_naming_it(office: Cli, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    r = office("--json", "audit", "export", "--out", str(tmp_path / "a-file" / "bundle.gz"))
    assert r.code == 3 and "Traceback" not in r.err and "internal" not in r.err, r.err
    assert r.err.startswith(f"error: cannot use {tmp_path / 'a-file'}") and "Not a directory" in r.err
    assert r.json()["error"] == "file"


def test_an_edited_event_is_named_and_exits_13(office: Cli) -> None:
    with sqlite3.connect(office.db) as conn:
        rowid, state, topic = conn.execute("SELECT rowid, state, topic FROM stored_events ORDER BY rowid LIMIT 1 "
                                           "OFFSET 4").fetchone()
        edited = bytearray(state)
        edited[8] ^= 0x01
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes(edited), rowid))
    r = office("audit", "verify")
    assert r.code == 13
    assert "DIVERGENCE at position 4" in r.out and topic.rsplit(":", 1)[1] in r.out  # e.g. Catalog.Started


def test_a_bundle_with_an_edited_event_fails_offline(office: Cli, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.jsonl.gz"
    assert office("audit", "export", "--out", str(bundle)).code == 0
    with gzip.open(bundle, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    victim = next(i for i, line in enumerate(lines) if line.startswith('{"event"'))
    # Change one base64 character of the first event's stored state.
    lines[victim] = lines[victim][:-6] + ("A" if lines[victim][-6] != "A" else "B") + lines[victim][-5:]
    forged = tmp_path / "forged.jsonl.gz"
    with gzip.open(forged, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    r = Cli(home=tmp_path / "x", cwd=tmp_path)("audit", "verify", "--bundle", str(forged), "--root",
                                             str(office.home / "keys" / "root.cert.pem"))
    assert r.code == 13 and "position 0" in r.out


def test_history_as_of_a_past_moment_shows_the_document_as_it_stood(office: Cli) -> None:
    reissued_at = office("--json", "show", "1915010000000301").json()["issued_at"]
    before = office("--json", "history", "1915010000000301", "--as-of", "2000-01-01")
    assert before.code == 5  # it did not exist yet
    moment = reissued_at.replace("+00:00", "Z").replace("Z", "+00:00")
    from datetime import datetime, timedelta

    just_before = (datetime.fromisoformat(moment) - timedelta(microseconds=1)).isoformat()
    then = office("--json", "history", "1915010000000301", "--as-of", just_before).json()
    assert (then["document"]["edition"], then["document"]["status"]) == (1, "current")
    assert "Certificate.Reissued" not in [e["type"] for e in then["events"]]
    now = office("--json", "history", "1915010000000301", "--as-of", "2099-01-01").json()
    assert now["document"]["edition"] == 2 and "Certificate.Reissued" in [e["type"] for e in now["events"]]
    assert "as of" in office("history", "1915010000000301", "--as-of", "2099-01-01").out


def test_inclusion_and_consistency_proofs_from_the_command_verify_independently(office: Cli) -> None:
    import hashlib
    import struct
    import uuid

    from tests.audit.rfc6962 import verify_consistency, verify_inclusion

    checkpoint = office("--json", "audit", "checkpoint").json()
    proof = office("--json", "audit", "inclusion", "1915010000000301#2").json()
    assert proof["tree_size"] == checkpoint["size"] and proof["root"] == checkpoint["root"]
    assert verify_inclusion(bytes.fromhex(proof["leaf_hash"]), proof["position"], proof["tree_size"],
                            [bytes.fromhex(h) for h in proof["proof"]], bytes.fromhex(proof["root"]))
    # The leaf is rebuilt from the header and state digest the command prints (leaf scheme 2).
    leaf = proof["leaf"]
    topic = leaf["topic"].encode()
    record = (bytes(16) + struct.pack(">Q", leaf["notification_id"]) + uuid.UUID(leaf["aggregate_id"]).bytes
              + struct.pack(">QI", leaf["version"], len(topic)) + topic + bytes.fromhex(leaf["state_digest"]))
    assert hashlib.sha256(b"\x00" + record).hexdigest() == proof["leaf_hash"]
    text = office("audit", "inclusion", "1915010000000301#2").out
    assert f"state digest {leaf['state_digest']}" in text and f"notification {leaf['notification_id']}" in text
    c = office("--json", "audit", "consistency", "3", str(checkpoint["size"])).json()
    assert verify_consistency(3, checkpoint["size"], bytes.fromhex(c["old_root"]), bytes.fromhex(c["new_root"]),
                              [bytes.fromhex(h) for h in c["proof"]])
    assert c["new_root"] == checkpoint["root"]


def test_inclusion_takes_a_bare_number_and_says_pending_for_a_change_after_the_checkpoint(office: Cli) -> None:
    bare = office("--json", "audit", "inclusion", "1915010000000301").json()
    assert bare["document"] == "1915010000000301#2" and bare["state"] == "included"
    assert office("revoke", "1915010000000300", "--reason", "wrong data").code == 0
    pending = office("--json", "audit", "inclusion", "1915010000000300")
    assert pending.code == 0 and pending.json()["state"] == "pending" and pending.json()["proof"] == []
    assert "pending" in office("audit", "inclusion", "1915010000000300").out
    assert office("audit", "checkpoint").code == 0
    assert office("--json", "audit", "inclusion", "1915010000000300").json()["state"] == "included"
    too_big = office("audit", "inclusion", "1915010000000300", "--size", "100000")
    assert too_big.code != 0 and "size" in too_big.err
