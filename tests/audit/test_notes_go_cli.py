"""What the installed command and the service publish, checked by Go's sumdb/note and sumdb/tlog: the notes
`audit checkpoint --out` writes, the key `audit log-key` prints, the witness's cosignature, and the note, the
history and the inclusion and consistency proofs the verification service serves."""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.leaves import header_record, state_digest
from tests.audit.tlogtrees import GoChecker
from tests.conftest import resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_signing import PASSPHRASES
from tests.e2e.test_cli_story import issue_args
from verify_api.app import create_app
from verify_api.settings import ServiceSettings

HOLDER = "王五"
NUMBER = "1915010000000501"


@dataclass
class Published:
    cli: Cli
    tmp: Path
    vkey: str  # the log's, as `audit log-key` printed it
    witness_vkey: str
    checkpoints: list[dict[str, Any]]  # what `--json audit checkpoint` printed, in order

    def note(self, n: int) -> str:
        return (self.tmp / f"cp{n}.note").read_text()


def ok(cli: Cli, *args: str) -> Any:
    r = cli(*args)
    assert r.code == 0, f"certledger {' '.join(args)}: {r.err}"
    return r


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    tmp = tmp_path_factory.mktemp("published")
    cli = Cli(home=tmp / "home", cwd=tmp, extra_env={**PASSPHRASES, "CERTLEDGER_WITNESS_PASSPHRASE": "witness-pass"})
    ok(cli, "init", "--office", "1501", "--operator", "张三")
    ok(cli, "keys", "init")
    checkpoints = []
    for i in range(3):
        ok(cli, *issue_args(f"19150100000005{i + 1:02d}", HOLDER, "男", resident_id(serial=i), "焊工", "三级",
                            "2019-06-01"))
    checkpoints.append(ok(cli, "--json", "audit", "checkpoint", "--out", str(tmp / "cp1.note")).json())
    vkey = ok(cli, "audit", "log-key").out.strip()
    witness = str(tmp / "witness")
    ok(cli, "witness", "init", "--dir", witness, "--name", "auditor.example/witness", "--log-key", vkey)
    ok(cli, "witness", "cosign", str(tmp / "cp1.note"), "--dir", witness)
    ok(cli, "revoke", NUMBER, "--reason", "证书信息有误")
    ok(cli, *issue_args("1915010000000599", HOLDER, "男", resident_id(serial=9), "焊工", "三级", "2019-06-01"))
    checkpoints.append(ok(cli, "--json", "audit", "checkpoint", "--out", str(tmp / "cp2.note")).json())
    old, new = checkpoints[0]["size"], checkpoints[1]["size"]
    ok(cli, "audit", "consistency", str(old), str(new), "--out", str(tmp / "proof.json"))
    ok(cli, "witness", "cosign", str(tmp / "cp2.note"), "--proof", str(tmp / "proof.json"), "--dir", witness,
       "--out", str(tmp / "cp2.cosigned"))
    witness_vkey = ok(cli, "witness", "key", "--dir", witness).out.strip()
    ok(cli, "audit", "add-cosignature", str(tmp / "cp2.cosigned"), "--witness", witness_vkey)
    return Published(cli, tmp, vkey, witness_vkey, checkpoints)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_go_verifies_the_notes_the_command_writes_with_the_key_it_prints(go_checker: GoChecker,
                                                                         published: Published) -> None:
    results = go_checker.run([{"kind": "checkpoint", "note": published.note(n), "vkey": published.vkey}
                              for n in (1, 2)])
    for n, (got, printed) in enumerate(zip(results, published.checkpoints, strict=True), 1):
        assert got["ok"], got
        assert (got["origin"], got["size"], got["root"]) == (
            published.vkey.split("+")[0], printed["size"], b64(bytes.fromhex(printed["root"])))
        assert got["text"] == printed["body"] and printed["note"] == published.note(n)
    # The key as Go itself writes it from the raw public key: byte for byte the one the command prints.
    name, _, key64 = published.vkey.split("+", 2)
    vkey = go_checker.one(kind="vkey", name=name, public_key=b64(base64.b64decode(key64)[1:]))
    assert vkey == {"ok": True, "vkey": published.vkey}
    altered = published.note(2).replace(f"\n{published.checkpoints[1]['size']}\n",
                                        f"\n{published.checkpoints[1]['size'] + 1}\n")
    assert not go_checker.one(kind="checkpoint", note=altered, vkey=published.vkey)["ok"]


def test_go_verifies_the_witness_cosignature_the_command_writes(go_checker: GoChecker, published: Published) -> None:
    cosigned = (published.tmp / "cp2.cosigned").read_text()
    lines = cosigned.splitlines()
    sig_line = lines[-1]
    name, blob = sig_line.removeprefix("\u2014 ").split(" ")
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 0x01
    altered = "\n".join([*lines[:-1], f"\u2014 {name} {b64(bytes(raw))}"]) + "\n"
    good, bad = go_checker.run([
        {"kind": "cosignature", "note": cosigned, "vkey": published.vkey, "witness_vkey": published.witness_vkey},
        {"kind": "cosignature", "note": altered, "vkey": published.vkey, "witness_vkey": published.witness_vkey}])
    assert good["ok"] and isinstance(good["timestamp"], int), good
    assert not bad["ok"]


def stored_records(home: Path) -> list[bytes]:
    """What each leaf hashes, rebuilt from the stored row and its leaf's salt (leaf scheme 2, ledger.leaves)."""
    with sqlite3.connect(home / "ledger.sqlite") as conn:
        rows = conn.execute("SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, l.salt FROM "
                            "stored_events e JOIN log_leaves l ON l.notification_id = e.rowid "
                            "ORDER BY l.position").fetchall()
    return [header_record(nid, oid, version, topic, state_digest(salt, state))
            for nid, oid, version, topic, state, salt in rows]


def test_go_verifies_what_the_service_serves(go_checker: GoChecker, published: Published) -> None:
    settings = ServiceSettings(home=published.cli.home, store="sqlite", access_log=False, log_reload_seconds=0)
    old, new = (cp["size"] for cp in published.checkpoints)
    with TestClient(create_app(settings)) as client:
        note = client.get("/api/v1/log/checkpoint", headers={"Accept": "text/plain"})
        as_json = client.get("/api/v1/log/checkpoint").json()
        consistency = client.get("/api/v1/log/consistency", params={"old": old}).json()
        inclusion = client.get("/api/v1/log/inclusion",
                               params={"document": "1915010000000599", "name": HOLDER}).json()
        history = client.get("/api/v1/log/history")
    assert note.status_code == 200 and note.headers["content-type"].startswith("text/plain")
    witness_id = "+".join(published.witness_vkey.split("+", 2)[:2])  # name+hex id (base64 may hold a '+')
    assert as_json["note"] == note.text and as_json["cosignatures"] == [witness_id]
    kept = (published.cli.home / "checkpoints" / "history").read_bytes()
    assert history.status_code == 200 and history.content == kept
    entries = [json.loads(line) for line in history.text.splitlines()]
    records = stored_records(published.cli.home)
    position = inclusion["position"]
    checks = [
        {"kind": "checkpoint", "note": note.text, "vkey": published.vkey},
        {"kind": "cosignature", "note": note.text, "vkey": published.vkey, "witness_vkey": published.witness_vkey},
        {"kind": "consistency", "size": new, "root": b64(bytes.fromhex(consistency["new_root"])), "old_size": old,
         "old_root": b64(bytes.fromhex(published.checkpoints[0]["root"])),
         "proof": [b64(bytes.fromhex(h)) for h in consistency["proof"]]},
        {"kind": "inclusion", "size": inclusion["tree_size"], "root": b64(bytes.fromhex(as_json["root"])),
         "index": position, "record": b64(records[position]),
         "proof": [b64(bytes.fromhex(h)) for h in inclusion["proof"]]},
        *({"kind": "checkpoint", "note": e["note"], "vkey": published.vkey} for e in entries),
        {"kind": "consistency", "size": new, "root": b64(bytes.fromhex(published.checkpoints[1]["root"])),
         "old_size": old, "old_root": b64(bytes.fromhex(published.checkpoints[0]["root"])),
         "proof": entries[1]["proof"]},
    ]
    results = go_checker.run(checks)
    assert [r for r in results if not r["ok"]] == []
    verified = results[0]
    assert (verified["size"], verified["root"]) == (new, b64(bytes.fromhex(published.checkpoints[1]["root"])))
    assert consistency["new_root"] == published.checkpoints[1]["root"] and inclusion["tree_size"] == new
    # A record that is not the one at that position does not verify.
    wrong = go_checker.one(kind="inclusion", size=new, root=checks[3]["root"], index=position,
                           record=b64(records[position - 1]), proof=checks[3]["proof"])
    assert not wrong["ok"]
