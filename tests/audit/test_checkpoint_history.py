"""The append-only checkpoint history file: each checkpoint extends the one before, or it is refused."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from keys.tlog import (
    Checkpoint,
    CheckpointHistory,
    CheckpointInconsistent,
    CheckpointRollback,
    NoteSigner,
    SignatureInvalid,
    TlogMalformed,
    check_log_holds,
)
from tests.audit.tlogtrees import build_log, states

ORIGIN = "certledger.example/log"
LOG = NoteSigner.generate(ORIGIN)


def note(size: int, root: bytes, signer: NoteSigner = LOG) -> bytes:
    return Checkpoint(ORIGIN, size, root).sign(signer).encode()


@pytest.fixture
def history(tmp_path: Path) -> CheckpointHistory:
    return CheckpointHistory(tmp_path / "checkpoints.jsonl", LOG.verifier)


def test_checkpoints_are_appended_with_proofs_and_read_back_verified(history: CheckpointHistory) -> None:
    log, _ = build_log(states(40))
    for size in (3, 3, 10, 17, 40):
        history.append(note(size, log.root(size)), log.consistency_proof)
    entries = history.read()
    assert [e.checkpoint.size for e in entries] == [3, 10, 17, 40]  # the same note twice is kept once
    assert [e.line for e in entries] == [1, 2, 3, 4]
    assert entries[1].proof == tuple(log.consistency_proof(3, 10))
    assert history.read(prove=log.consistency_proof) == entries
    latest = history.latest()
    assert latest is not None and latest.size == 40
    assert stat.S_IMODE(history.path.stat().st_mode) == 0o600


def test_an_absent_history_has_no_entries(history: CheckpointHistory) -> None:
    assert history.read() == () and history.latest() is None


def test_a_checkpoint_of_a_rewritten_log_is_refused_and_nothing_is_written(history: CheckpointHistory) -> None:
    log, _ = build_log(states(20))
    history.append(note(10, log.root(10)), log.consistency_proof)
    forked_states = states(20)
    forked_states[4] = b"forged revocation"
    fork, _ = build_log(forked_states)
    before = history.path.read_bytes()
    with pytest.raises(CheckpointInconsistent, match="from 10 to 20"):
        history.append(note(20, fork.root(20)), fork.consistency_proof)
    with pytest.raises(CheckpointInconsistent, match="two different roots"):
        history.append(note(10, fork.root(10)), fork.consistency_proof)
    assert history.path.read_bytes() == before


def test_a_smaller_tree_than_the_last_is_refused(history: CheckpointHistory) -> None:
    log, _ = build_log(states(20))
    history.append(note(20, log.root(20)), log.consistency_proof)
    with pytest.raises(CheckpointRollback):
        history.append(note(12, log.root(12)), log.consistency_proof)


def test_a_checkpoint_the_log_key_did_not_sign_is_refused(history: CheckpointHistory) -> None:
    log, _ = build_log(states(5))
    with pytest.raises(SignatureInvalid):
        history.append(note(5, log.root(5), NoteSigner.generate(ORIGIN)), log.consistency_proof)
    assert not history.path.exists()


def test_reading_names_the_line_of_an_edited_or_inserted_entry(history: CheckpointHistory) -> None:
    log, _ = build_log(states(30))
    for size in (5, 15, 30):
        history.append(note(size, log.root(size)), log.consistency_proof)
    lines = history.path.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["note"] = entry["note"].replace("\n15\n", "\n16\n")
    history.path.write_text("\n".join([lines[0], json.dumps(entry), lines[2]]) + "\n")
    with pytest.raises(SignatureInvalid, match="line 2"):
        history.read()
    # A genuine but forked checkpoint, with the forger's own valid proof, slipped between two lines.
    fork_states = states(30)
    fork_states[0] = b"rewritten"
    fork, _ = build_log(fork_states)
    forged = json.dumps({"note": note(10, fork.root(10)).decode(),
                         "proof": [base64.b64encode(h).decode() for h in fork.consistency_proof(5, 10)]})
    history.path.write_text("\n".join([lines[0], forged, *lines[1:]]) + "\n")
    with pytest.raises(CheckpointInconsistent, match="line 2"):
        history.read()


def test_the_live_log_is_checked_against_every_step_when_given(history: CheckpointHistory) -> None:
    log, _ = build_log(states(30))
    for size in (5, 30):
        history.append(note(size, log.root(size)), log.consistency_proof)
    rewritten_states = states(30)
    rewritten_states[2] = b"edited in the database"
    rewritten, _ = build_log(rewritten_states)
    with pytest.raises(CheckpointInconsistent, match="line 2"):
        history.read(prove=rewritten.consistency_proof)
    with pytest.raises(CheckpointInconsistent):
        check_log_holds(history.read()[0].checkpoint.checkpoint, rewritten.size(), rewritten.root)
    with pytest.raises(CheckpointRollback):
        check_log_holds(history.read()[-1].checkpoint.checkpoint, 29, log.root)
    check_log_holds(history.read()[-1].checkpoint.checkpoint, log.size(), log.root)


@pytest.mark.parametrize(("content", "rule"), [
    (b"not json\n", "is not JSON"),
    (b'{"note": "x"}\n', '"proof"'),
    (b'{"note": 1, "proof": []}\n', '"proof"'),
])
def test_a_malformed_line_is_named(history: CheckpointHistory, content: bytes, rule: str) -> None:
    history.path.write_bytes(content)
    with pytest.raises(TlogMalformed, match=rule) as caught:
        history.read()
    assert caught.value.field.startswith("checkpoint history line 1")


def test_a_torn_last_line_is_named_and_nothing_is_appended_after_it(history: CheckpointHistory) -> None:
    log, _ = build_log(states(8))
    history.append(note(4, log.root(4)), log.consistency_proof)
    with history.path.open("ab") as f:
        f.write(b'{"note": "certledger')
    torn = history.path.read_bytes()
    with pytest.raises(TlogMalformed, match="cut short"):
        history.read()
    with pytest.raises(TlogMalformed, match="cut short"):
        history.append(note(8, log.root(8)), log.consistency_proof)
    assert history.path.read_bytes() == torn


def test_the_last_entry_is_found_past_many_tail_reads(history: CheckpointHistory,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("keys.tlog.history._TAIL_CHUNK", 200)  # a line is longer than one read from the end
    log, _ = build_log(states(400))
    for size in range(10, 401, 10):
        history.append(note(size, log.root(size)), log.consistency_proof)
    latest = history.latest()
    assert latest is not None and latest.size == 400
    assert history.append(note(400, log.root(400)), log.consistency_proof).line == 40
    assert [e.checkpoint.size for e in history.read()] == list(range(10, 401, 10))
