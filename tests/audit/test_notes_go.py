"""Checkpoints, cosignatures and proofs made by certledger, checked by Go's sumdb/note and sumdb/tlog.

Every tree here is a real ledger.translog log; every note is signed by keys.tlog. Go must accept
the honest ones and reject each one-byte alteration, and Python must agree with Go on both.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keys.tlog import (
    Checkpoint,
    Cosigner,
    NoteSigner,
    SignatureInvalid,
    SignedNote,
    TlogError,
    Witness,
    open_checkpoint,
    verify_consistency,
    verify_cosignature,
    verify_inclusion,
)
from keys.tlog.note import Signature
from ledger.merkle import leaf_hash
from tests.audit.tlogtrees import GoChecker, build_log, states

ORIGIN = "certledger.example/log"
LOG = NoteSigner.generate(ORIGIN)
SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 70]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def checkpoint_note(size: int, root: bytes) -> bytes:
    return Checkpoint(ORIGIN, size, root).sign(LOG).encode()


def test_go_writes_the_same_verifier_key_and_signs_the_same_note_with_our_signer_key(go_checker: GoChecker) -> None:
    pub = LOG.verifier.public_key.public_bytes_raw()
    text = Checkpoint(ORIGIN, 3, bytes(range(32))).text
    vkey, signed = go_checker.run([{"kind": "vkey", "name": ORIGIN, "public_key": b64(pub)},
                                   {"kind": "sign", "skey": LOG.signer_key(), "text": text}])
    assert vkey == {"ok": True, "vkey": LOG.verifier.verifier_key()}
    assert signed["ok"], signed
    assert signed["note"].encode() == Checkpoint.parse(text).sign(LOG).encode()  # Ed25519 is deterministic


@pytest.mark.parametrize("size", SIZES)
def test_go_accepts_our_checkpoint_and_builds_the_same_tree_and_proofs(go_checker: GoChecker, size: int) -> None:
    log, records = build_log(states(size))
    root = log.root(size)
    old = max(1, size // 2)
    index = size * 2 // 3
    got, tree = go_checker.run([
        {"kind": "checkpoint", "note": checkpoint_note(size, root).decode(), "vkey": LOG.verifier.verifier_key()},
        {"kind": "tree", "records": [b64(r) for r in records], "size": size, "index": index, "old_size": old},
    ])
    assert got == {"ok": True, "origin": ORIGIN, "size": size, "root": b64(root), "unverified": [],
                   "text": f"{ORIGIN}\n{size}\n{b64(root)}\n"}
    assert tree["root"] == b64(root)
    assert tree["record_proof"] == [b64(h) for h in log.inclusion_proof(index, size)]
    assert tree["tree_proof"] == [b64(h) for h in log.consistency_proof(old, size)]


@pytest.mark.parametrize("size", SIZES)
def test_go_accepts_every_inclusion_and_consistency_proof_of_our_log(go_checker: GoChecker, size: int) -> None:
    log, records = build_log(states(size))
    checks: list[dict[str, Any]] = []
    for new in range(1, size + 1):
        root = log.root(new)
        for index in {0, new // 2, new - 1}:
            checks.append({"kind": "inclusion", "size": new, "root": b64(root), "index": index,
                           "record": b64(records[index]), "proof": [b64(h) for h in log.inclusion_proof(index, new)]})
        for old in {1, new // 2 or 1, new - 1 or 1, new}:
            checks.append({"kind": "consistency", "size": new, "root": b64(root), "old_size": old,
                           "old_root": b64(log.root(old)), "proof": [b64(h) for h in log.consistency_proof(old, new)]})
    assert [r for r in go_checker.run(checks) if not r["ok"]] == []
    for c in checks:  # and Python's checker agrees
        proof = [base64.b64decode(h) for h in c["proof"]]
        if c["kind"] == "inclusion":
            leaf = leaf_hash(base64.b64decode(c["record"]))
            assert verify_inclusion(c["index"], c["size"], leaf, proof, base64.b64decode(c["root"]))
        else:
            assert verify_consistency(c["old_size"], base64.b64decode(c["old_root"]), c["size"],
                                      base64.b64decode(c["root"]), proof)


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def tampered_notes(size: int, root: bytes) -> dict[str, bytes]:
    note = SignedNote.parse(checkpoint_note(size, root))
    sig = note.signatures[0]
    resigned_text = f"{ORIGIN}\n{size}\n{b64(flip(root, 5))}\n"
    return {
        "root": SignedNote(resigned_text, note.signatures).encode(),
        "size": SignedNote(f"{ORIGIN}\n{size + 1}\n{b64(root)}\n", note.signatures).encode(),
        "origin": SignedNote(f"{ORIGIN}x\n{size}\n{b64(root)}\n", note.signatures).encode(),
        "signature": SignedNote(note.text, (Signature(sig.name, sig.key_id, flip(sig.data, 10)),)).encode(),
        "signed by another key": Checkpoint(ORIGIN, size, root).sign(NoteSigner.generate(ORIGIN)).encode(),
    }


@pytest.mark.parametrize("what", ["root", "size", "origin", "signature", "signed by another key"])
def test_go_and_python_reject_a_checkpoint_with_one_byte_altered(go_checker: GoChecker, what: str) -> None:
    log, _ = build_log(states(9))
    altered = tampered_notes(9, log.root())[what]
    got = go_checker.one(kind="checkpoint", note=altered.decode(), vkey=LOG.verifier.verifier_key())
    assert not got["ok"]
    with pytest.raises(SignatureInvalid):
        open_checkpoint(altered, LOG.verifier)


@pytest.mark.parametrize("size", [2, 7, 9, 70])
def test_go_and_python_reject_proofs_with_one_byte_of_one_hash_altered(go_checker: GoChecker, size: int) -> None:
    log, records = build_log(states(size))
    root, index, old = log.root(size), size - 2, size // 2
    inclusion, consistency = log.inclusion_proof(index, size), log.consistency_proof(old, size)
    checks: list[dict[str, Any]] = []
    for k in range(len(inclusion)):
        bad = [flip(h, 0) if i == k else h for i, h in enumerate(inclusion)]
        assert not verify_inclusion(index, size, leaf_hash(records[index]), bad, root)
        checks.append({"kind": "inclusion", "size": size, "root": b64(root), "index": index,
                       "record": b64(records[index]), "proof": [b64(h) for h in bad]})
    for k in range(len(consistency)):
        bad = [flip(h, 31) if i == k else h for i, h in enumerate(consistency)]
        assert not verify_consistency(old, log.root(old), size, root, bad)
        checks.append({"kind": "consistency", "size": size, "root": b64(root), "old_size": old,
                       "old_root": b64(log.root(old)), "proof": [b64(h) for h in bad]})
    # a record altered, and an old root altered, with honest proofs
    checks.append({"kind": "inclusion", "size": size, "root": b64(root), "index": index,
                   "record": b64(flip(records[index], 3)), "proof": [b64(h) for h in inclusion]})
    checks.append({"kind": "consistency", "size": size, "root": b64(root), "old_size": old,
                   "old_root": b64(flip(log.root(old), 0)), "proof": [b64(h) for h in consistency]})
    results = go_checker.run(checks)
    assert len(results) >= 3
    assert [r["ok"] for r in results] == [False] * len(results)


def test_go_verifies_the_witness_cosignature_and_rejects_it_altered(go_checker: GoChecker, tmp_path: Path) -> None:
    log, _ = build_log(states(12))
    witness_key = Cosigner.generate("witness.example/auditor")
    witness = Witness(witness_key, LOG.verifier, tmp_path / "state.json")
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    witness.cosign(checkpoint_note(5, log.root(5)), [], at)
    cosigned = witness.cosign(checkpoint_note(12, log.root(12)), log.consistency_proof(5, 12), at)
    wkey = witness_key.verifier.verifier_key()
    cosig = cosigned.signatures[-1]
    altered = {
        "timestamp": cosigned.with_signature(Signature(cosig.name, cosig.key_id, flip(cosig.data, 7))),
        "signature": cosigned.with_signature(Signature(cosig.name, cosig.key_id, flip(cosig.data, 40))),
    }
    checks = [{"kind": "cosignature", "note": cosigned.encode().decode(), "vkey": LOG.verifier.verifier_key(),
               "witness_vkey": wkey},
              {"kind": "checkpoint", "note": cosigned.encode().decode(), "vkey": LOG.verifier.verifier_key()}]
    checks += [{"kind": "cosignature", "note": n.encode().decode(), "vkey": LOG.verifier.verifier_key(),
                "witness_vkey": wkey} for n in altered.values()]
    good, plain, *bad = go_checker.run(checks)
    assert good == {"ok": True, "timestamp": int(at.timestamp())}
    assert plain["ok"] and plain["unverified"] == [f"{witness_key.name}+{witness_key.verifier.key_id:08x}"]
    assert [r["ok"] for r in bad] == [False, False]
    assert verify_cosignature(cosigned, witness_key.verifier).at == at
    for note in altered.values():
        with pytest.raises(TlogError):
            verify_cosignature(note, witness_key.verifier)


def test_go_rejects_every_note_and_checkpoint_body_python_calls_malformed(go_checker: GoChecker) -> None:
    from tests.audit.test_notes import LOG as NOTES_LOG
    from tests.audit.test_notes import MALFORMED_CHECKPOINTS, MALFORMED_NOTES

    vkey = NOTES_LOG.verifier.verifier_key()
    notes = [data for data, _ in MALFORMED_NOTES if _is_utf8(data)]  # JSON carries only UTF-8 to Go
    # Bodies signed properly: only the checkpoint parser can refuse them (the unterminated one cannot be signed).
    notes += [SignedNote(text, (NOTES_LOG.sign(text),)).encode() for text, _ in MALFORMED_CHECKPOINTS
              if text.endswith("\n")]
    results = go_checker.run([{"kind": "checkpoint", "note": n.decode(), "vkey": vkey}
                              for n in notes])
    accepted = [n for n, r in zip(notes, results, strict=True) if r["ok"]]
    assert accepted == []


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True
