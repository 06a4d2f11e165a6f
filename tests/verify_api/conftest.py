"""A signing office whose ledger, keys and trust list sit in a home directory, as the command leaves them,
and the verification service opened on that home."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keys.notekeys import has_log_key, head_signer, init_log_key, load_log_signer
from keys.store import KeyStore
from keys.tlog import CheckpointHistory
from keys.trustlist import build_trust_list
from ledger.application import CertLedger
from ledger.domain import china_date
from ledger.translog import Checkpoint
from signing.pipeline import SignedDocument
from tests.conftest import resident_id
from tests.e2e.conftest import Cli
from tests.signing.conftest import JINAN, ROOT_PASS, START, Office, SteppingClock
from tests.verify_api.served import PASSPHRASES, Documents, Server, free_port, make_documents
from verify_api.app import create_app
from verify_api.settings import ServiceSettings

ID_NUMBER = resident_id()  # every holder here has it: no response may ever contain it whole
MASKED = ID_NUMBER[:6] + "X" * 12
LOG_ORIGIN = "verify.certledger.example/log"
LOG_PASS = "log key passphrase of the tests"


@dataclass
class Home:
    """The ledger (SQLite), key store and published trust list of one office, in `path`."""

    path: Path
    office: Office
    tokens: dict[str, str] = field(default_factory=dict)

    def publish(self) -> None:
        """Write the latest trust list the ledger recorded to the file, as `certledger keys trust-list` does."""
        latest = self.office.app.latest_trust_list()
        data = latest.data if latest is not None else build_trust_list(
            self.office.app.signing_keys(), self.office.store.load_root(ROOT_PASS), issuer="test root",
            issued_at=self.office.app.now())
        target = self.path / "trust-list.jws"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)

    def settings(self, **overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {"home": self.path, "store": "sqlite", "access_log": False, **overrides}
        return ServiceSettings(**values)

    def proof(self, number: str, occupation: str = "电工") -> SignedDocument:
        """Issue a certificate and record, sign and commit a written proof of it."""
        self.office.issue(number, occupation)
        return self.office.prove_signed(number)

    def checkpoint(self) -> Checkpoint:
        """Bring every event so far into the transparency log (the office's ledger keeps none: an explicit
        catch-up, as a repair of a store kept without its log would), sign its head with the log key (made
        on the first checkpoint) and append it to the checkpoint history, as `certledger audit checkpoint` does."""
        store = self.office.store
        if not has_log_key(store):
            init_log_key(store, LOG_ORIGIN, LOG_PASS)
        signer = load_log_signer(store, LOG_PASS)
        ledger = CertLedger(env=self.env, clock=self.office.clock, transparency_log=True)
        try:
            assert ledger.translog is not None
            ledger.translog.catch_up(ledger.recorder)
            checkpoint = ledger.take_checkpoint(head_signer(signer))
            assert checkpoint.note is not None
            (self.path / "checkpoints").mkdir(exist_ok=True)
            CheckpointHistory(self.path / "checkpoints" / "history", signer.verifier).append(
                checkpoint.note, ledger.translog.consistency_proof)
            return checkpoint
        finally:
            ledger.close()

    @property
    def env(self) -> dict[str, str]:
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(self.path / "ledger.sqlite")}

    def ecert(self, number: str) -> SignedDocument:
        """Sign the electronic certificate of the current edition."""
        draft = self.office.app.draft_certificate(JINAN, number)
        signed = self.office.signer().produce(draft.view, china_date(draft.at))
        self.office.app.commit_signed(JINAN, draft, signed.sha256, signed.token)
        return signed


@pytest.fixture
def home(tmp_path: Path) -> Home:
    path = tmp_path / "home"
    path.mkdir()
    clock = SteppingClock(START)
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path / "ledger.sqlite")},
                     clock=clock)  # keeps no log: Home.checkpoint catches one up, as a later writer would
    app.ensure_default_catalog(JINAN)
    store = KeyStore(path / "keys", kdf_cost=14)  # scrypt 2^14: see tests/keys/conftest.py
    store.init_root(ROOT_PASS, "test root", now=START - timedelta(days=1))
    office = Office(app, store, clock, tmp_path)
    office.new_key()
    h = Home(path, office)
    h.publish()
    return h


def verdict(client: TestClient, token: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/verify/{token}")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.fixture
def client(home: Home) -> Iterator[TestClient]:
    with TestClient(create_app(home.settings())) as c:
        yield c


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Documents]]:
    """One `certledger serve` with two workers on a ledger the command made, shared by the end-to-end tests."""
    tmp = tmp_path_factory.mktemp("served")
    cli = Cli(home=tmp / "home", cwd=tmp, extra_env=dict(PASSPHRASES))
    documents = make_documents(cli, tmp)
    server = Server(cli, free_port()).start("--workers", "2")
    yield server, documents
    server.stop()
