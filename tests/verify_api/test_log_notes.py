"""The service publishes checkpoints as C2SP notes: the note itself as text, the history file kept outside the
database, and the witnesses' cosignatures the history carries for the latest checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from keys.notekeys import log_verifier
from keys.tlog import CheckpointHistory, Cosigner, Witness, open_checkpoint, verify_cosignature
from tests.verify_api.conftest import Home
from verify_api.app import create_app


def client_of(home: Home) -> TestClient:
    return TestClient(create_app(home.settings(log_reload_seconds=0)))


def history_file(home: Home) -> Path:
    return home.path / "checkpoints" / "history"


def test_without_a_checkpoint_neither_the_note_nor_the_history_is_published(home: Home) -> None:
    with client_of(home) as client:
        assert client.get("/api/v1/log/checkpoint", headers={"Accept": "text/plain"}).status_code == 404
        r = client.get("/api/v1/log/history")
    assert r.status_code == 404 and r.json()["error"] == "log_not_published"


def test_the_note_and_the_history_as_the_command_wrote_them(home: Home) -> None:
    home.proof("1915010000000801")
    first = home.checkpoint()
    home.proof("1915010000000802")
    second = home.checkpoint()
    verifier = log_verifier(home.office.store)
    with client_of(home) as client:
        note = client.get("/api/v1/log/checkpoint", headers={"Accept": "text/plain"})
        as_json = client.get("/api/v1/log/checkpoint").json()
        history = client.get("/api/v1/log/history")
    assert note.status_code == 200 and note.headers["content-type"] == "text/plain; charset=utf-8"
    signed = open_checkpoint(note.content, verifier)
    assert (signed.size, signed.root) == (second.size, second.root) and note.content == second.note
    assert as_json["note"] == note.text and as_json["format"] == "c2sp-checkpoint" and as_json["cosignatures"] == []
    assert history.status_code == 200 and history.content == history_file(home).read_bytes()
    entries = CheckpointHistory(history_file(home), verifier).read()  # each step checked by its proof
    assert [e.checkpoint.size for e in entries] == [first.size, second.size]


def test_the_witnesses_cosignatures_in_the_history_are_shown_for_the_latest_checkpoint(home: Home,
                                                                                       tmp_path: Path) -> None:
    home.proof("1915010000000803")
    latest = home.checkpoint()
    assert latest.note is not None
    verifier = log_verifier(home.office.store)
    witness_key = Cosigner.generate("auditor.example/witness")
    cosigned = Witness(witness_key, verifier, tmp_path / "state.json").cosign(latest.note, [], datetime.now(UTC))
    CheckpointHistory(history_file(home), verifier).append(cosigned, lambda old, new: [])
    with client_of(home) as client:
        note = client.get("/api/v1/log/checkpoint", headers={"Accept": "text/plain"}).content
        as_json = client.get("/api/v1/log/checkpoint").json()
    assert note == cosigned.encode()
    assert verify_cosignature(open_checkpoint(note, verifier).note, witness_key.verifier).name == witness_key.name
    assert as_json["cosignatures"] == [f"{witness_key.name}+{witness_key.verifier.key_id:08x}"]
    assert as_json["size"] == latest.size and as_json["signature"]  # the rest as before
