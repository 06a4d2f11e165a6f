"""The witness: cosigns a checkpoint only if it extends the last one it cosigned; its state survives it."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from keys.tlog import (
    AddCheckpoint,
    Checkpoint,
    CheckpointInconsistent,
    CheckpointRollback,
    Cosigner,
    NoteSigner,
    OriginMismatch,
    SignatureInvalid,
    SignedNote,
    TlogMalformed,
    Witness,
    WitnessConflict,
    open_checkpoint,
    open_note,
    require_cosignatures,
    verify_cosignature,
)
from keys.tlog.note import Signature
from tests.audit.tlogtrees import build_log, states

ORIGIN = "certledger.example/log"
LOG = NoteSigner.generate(ORIGIN)
KEY = Cosigner.generate("witness.example/office-0700")
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def note(size: int, root: bytes, signer: NoteSigner = LOG, origin: str = ORIGIN) -> bytes:
    return Checkpoint(origin, size, root).sign(signer).encode()


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    return Witness(KEY, LOG.verifier, tmp_path / "witness-state.json")


def test_a_consistent_checkpoint_is_cosigned_and_becomes_the_state(witness: Witness) -> None:
    log, _ = build_log(states(50))
    assert witness.state() is None
    with pytest.raises(WitnessConflict, match="nothing") as caught:  # a proof from a size it never saw
        witness.cosign(note(50, log.root(50)), log.consistency_proof(10, 50), T0)
    assert caught.value.latest_size == 0 and witness.state() is None
    first = witness.cosign(note(10, log.root(10)), [], T0)
    second = witness.cosign(note(50, log.root(50)), log.consistency_proof(10, 50), T0 + timedelta(minutes=5))
    assert open_checkpoint(second.encode(), LOG.verifier).size == 50  # the log's signature is kept
    assert verify_cosignature(second, KEY.verifier).at == T0 + timedelta(minutes=5)
    assert verify_cosignature(first, KEY.verifier).at == T0
    state = witness.state()
    assert state is not None and state.size == 50 and state.checkpoint.note == second
    assert stat.S_IMODE(witness.state_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in witness.state_path.parent.iterdir()) == ["witness-state.json",
                                                                            "witness-state.json.lock"]


def test_the_same_tree_again_is_cosigned_again_with_the_new_time(witness: Witness) -> None:
    log, _ = build_log(states(7))
    witness.cosign(note(7, log.root(7)), [], T0)
    again = witness.cosign(note(7, log.root(7)), [], T0 + timedelta(hours=1))
    assert [s.name for s in again.signatures] == [ORIGIN, KEY.name]  # replaced, not doubled
    assert verify_cosignature(again, KEY.verifier).at == T0 + timedelta(hours=1)


def test_a_checkpoint_of_a_rewritten_history_is_refused_and_the_state_kept(witness: Witness) -> None:
    log, _ = build_log(states(30))
    witness.cosign(note(10, log.root(10)), [], T0)
    before = witness.state_path.read_bytes()
    forked_states = states(30)
    forked_states[3] = b"a revocation nobody issued"
    fork, _ = build_log(forked_states)
    with pytest.raises(CheckpointInconsistent, match="from 10 to 30"):
        witness.cosign(note(30, fork.root(30)), fork.consistency_proof(10, 30), T0)
    with pytest.raises(CheckpointInconsistent, match="two different roots"):
        witness.cosign(note(10, fork.root(10)), [], T0)
    with pytest.raises(CheckpointInconsistent):  # an honest checkpoint with a proof from another size
        witness.cosign(note(30, log.root(30)), log.consistency_proof(11, 30), T0)
    assert witness.state_path.read_bytes() == before


def test_an_older_checkpoint_is_refused_as_a_rollback(witness: Witness) -> None:
    log, _ = build_log(states(30))
    witness.cosign(note(30, log.root(30)), [], T0)
    with pytest.raises(CheckpointRollback, match="smaller"):
        witness.cosign(note(20, log.root(20)), [], T0)
    state = witness.state()
    assert state is not None and state.size == 30


def test_a_checkpoint_not_signed_by_the_log_or_of_another_log_is_refused(witness: Witness) -> None:
    log, _ = build_log(states(5))
    with pytest.raises(SignatureInvalid):
        witness.cosign(note(5, log.root(5), NoteSigner.generate(ORIGIN)), [], T0)
    with pytest.raises(OriginMismatch):
        witness.cosign(note(5, log.root(5), origin="other.example/log"), [], T0)
    with pytest.raises(TlogMalformed):
        witness.cosign(b"not a note", [], T0)
    with pytest.raises(TlogMalformed, match="timezone"):
        witness.cosign(note(5, log.root(5)), [], datetime(2026, 12, 1, 8, 0))
    assert witness.state() is None


def test_a_state_file_edited_or_from_another_witness_is_refused(witness: Witness, tmp_path: Path) -> None:
    log, _ = build_log(states(30))
    witness.cosign(note(30, log.root(30)), [], T0)
    saved = json.loads(witness.state_path.read_text())
    # Rolled back by hand to a smaller tree the log did sign, without this witness's cosignature:
    witness.state_path.write_text(json.dumps({"note": note(5, log.root(5)).decode()}))
    with pytest.raises(SignatureInvalid, match="witness state"):
        witness.cosign(note(30, log.root(30)), [], T0)
    other = Witness(Cosigner.generate("witness.example/other"), LOG.verifier, tmp_path / "witness-state.json")
    witness.state_path.write_text(json.dumps(saved))
    with pytest.raises(SignatureInvalid, match="no cosignature"):
        other.state()
    witness.state_path.write_text("{")
    with pytest.raises(TlogMalformed, match="witness state"):
        witness.state()


def test_a_restarted_witness_continues_from_its_state(tmp_path: Path) -> None:
    log, _ = build_log(states(64))
    Witness(KEY, LOG.verifier, tmp_path / "s.json").cosign(note(32, log.root(32)), [], T0)
    restarted = Witness(Cosigner.from_signer_key(KEY.signer_key()), LOG.verifier, tmp_path / "s.json")
    with pytest.raises(CheckpointRollback):
        restarted.cosign(note(31, log.root(31)), [], T0)
    cosigned = restarted.cosign(note(64, log.root(64)), log.consistency_proof(32, 64), T0)
    assert verify_cosignature(cosigned, KEY.verifier).timestamp == int(T0.timestamp())


def test_the_tlog_witness_add_checkpoint_protocol(witness: Witness) -> None:
    log, _ = build_log(states(40))
    first = AddCheckpoint(0, (), SignedNote.parse(note(8, log.root(8))))
    assert AddCheckpoint.parse(first.encode()) == first
    line = witness.add_checkpoint(first.encode(), T0)
    assert line.startswith(f"\u2014 {KEY.name} ".encode()) and line.endswith(b"\n") and line.count(b"\n") == 1
    # The client's way to read the answer: the line appended to the note, opened with the witness key.
    opened = open_note(note(8, log.root(8)) + line, [KEY.verifier])
    assert [s.name for s in opened.verified] == [KEY.name]
    with pytest.raises(WitnessConflict) as caught:  # the client thinks the witness is still at 0
        witness.add_checkpoint(AddCheckpoint(0, (), SignedNote.parse(note(40, log.root(40)))).encode(), T0)
    assert caught.value.latest_size == 8
    with pytest.raises(CheckpointRollback):  # old size above the checkpoint's
        witness.add_checkpoint(AddCheckpoint(9, (), SignedNote.parse(note(8, log.root(8)))).encode(), T0)
    request = AddCheckpoint(8, tuple(log.consistency_proof(8, 40)), SignedNote.parse(note(40, log.root(40))))
    witness.add_checkpoint(request.encode(), T0)
    state = witness.state()
    assert state is not None and state.size == 40


@pytest.mark.parametrize("body", [
    b"", b"old 1\n", b"old 01\n\n", b"size 3\n\n", b"old 0\nAAAA\n\n",
    b"old 3\nnot base64\n\n", b"old 3\n" + b"A" * 44 + b"\n\n",
])
def test_a_malformed_add_checkpoint_body_is_refused(witness: Witness, body: bytes) -> None:
    log, _ = build_log(states(3))
    with pytest.raises(TlogMalformed):
        witness.add_checkpoint(body + note(3, log.root(3)), T0)
    assert witness.state() is None


def test_a_cosignature_never_goes_back_in_time(witness: Witness) -> None:
    log, _ = build_log(states(9))
    witness.cosign(note(5, log.root(5)), [], T0)
    with pytest.raises(TlogMalformed, match="clock went back"):
        witness.cosign(note(9, log.root(9)), log.consistency_proof(5, 9), T0 - timedelta(seconds=1))
    state = witness.state()
    assert state is not None and state.size == 5


def test_a_verifier_can_require_a_quorum_of_witnesses(tmp_path: Path) -> None:
    log, _ = build_log(states(6))
    keys = [Cosigner.generate(f"witness.example/{p}") for p in ("0700", "3700", "ministry")]
    cosigned = SignedNote.parse(note(6, log.root(6)))
    for i, k in enumerate(keys[:2]):
        cosigned = Witness(k, LOG.verifier, tmp_path / f"w{i}.json").cosign(cosigned, [], T0)
    verifiers = [k.verifier for k in keys]
    assert [c.name for c in require_cosignatures(cosigned, verifiers, 2)] == [keys[0].name, keys[1].name]
    with pytest.raises(SignatureInvalid, match="2 of the required 3"):
        require_cosignatures(cosigned, verifiers, 3)
    last = cosigned.signatures[-1]
    altered = cosigned.with_signature(Signature(last.name, last.key_id, last.data[:-1] + bytes([last.data[-1] ^ 1])))
    with pytest.raises(SignatureInvalid, match="does not verify"):
        require_cosignatures(altered, verifiers, 1)
    with pytest.raises(TlogMalformed, match="quorum"):
        require_cosignatures(cosigned, verifiers, 0)
    with pytest.raises(TlogMalformed, match="quorum"):  # one witness listed twice is still one
        require_cosignatures(cosigned, [verifiers[0], verifiers[0]], 2)
