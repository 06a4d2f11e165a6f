"""What one console process holds: the ledger, the office key, the accounts, the credentials, the sessions.

The ledger signs each save with ONE credential (ledger.save_signing): every use of it runs under one lock,
and a write runs inside `acting(session)`, which lends the ledger the logged-in operator's unsealed
credential for that one call and takes it back after, so no save is ever signed by someone else.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.sessions import Session, SessionStore
from console.settings import ConsoleSettings
from keys.credentials import CredentialStore
from keys.store import KeyStore, LoadedKey
from ledger.application import Actor, CertLedger
from ledger.blobs import BlobStore
from ledger.errors import InvalidInput, NotFound, RuleViolation
from ledger.reference import authority
from ledger.request_index import RequestIndex
from office.accounts import AccountStore
from signing.pipeline import SignerKey


class _NoOne:
    """The ledger's signer between two actions: a save outside `acting` is refused, never signed."""

    credential = "-"
    office = "-"
    operator = "-"

    def sign(self, data: bytes) -> bytes:
        raise RuleViolation("console-acting", "a console save is made only inside an operator's action")


@dataclass
class Console:
    settings: ConsoleSettings
    office: str
    ledger: CertLedger
    office_key: LoadedKey | None
    accounts: AccountStore
    credentials: CredentialStore
    sessions: SessionStore
    requests: RequestIndex = field(init=False)
    clock: Any = field(default=lambda: datetime.now(UTC))
    lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def from_settings(cls, s: ConsoleSettings, *, ledger: CertLedger | None = None,
                      clock: Callable[[], datetime] | None = None) -> Console:
        """`clock`: one clock for the console and the ledger it opens (its today, the due dates); the real one
        without."""
        if not s.office:
            raise InvalidInput("CERTLEDGER_OFFICE", "the office this console serves (certledger init writes it)")
        if s.store == "sqlite" and ledger is None and not s.sqlite_file.is_file():
            raise NotFound(f"no ledger at {s.home}: run certledger init --office CODE --operator NAME")
        ledger = ledger or CertLedger(env=s.eventsourcing_env(False), blobs=BlobStore(s.blobs_path),
                                      transparency_log=s.transparency_log, clock=clock)
        ledger.sign_with(_NoOne())  # type: ignore[arg-type]
        key = None
        if s.key_passphrase is not None and s.key_passphrase.get_secret_value():
            kid = ledger.active_key(s.office).kid
            key = KeyStore(s.keys_path, kdf_cost=s.key_kdf_cost).load_signer(kid, s.key_passphrase.get_secret_value())
        sessions = SessionStore(timedelta(minutes=s.console_idle_minutes), timedelta(hours=s.console_session_hours))
        console = cls(s, s.office, ledger, key, AccountStore(s.accounts_path),
                      CredentialStore(s.credentials_path, kdf_cost=s.key_kdf_cost), sessions)
        if clock is not None:
            console.clock = clock
        return console

    def __post_init__(self) -> None:
        self.requests = RequestIndex(self.ledger)

    def now(self) -> datetime:
        return self.clock()  # type: ignore[no-any-return]

    @contextmanager
    def reading(self) -> Iterator[CertLedger]:
        with self.lock:
            yield self.ledger

    @contextmanager
    def acting(self, session: Session) -> Iterator[tuple[CertLedger, Actor]]:
        """The ledger signing with this session's credential, and the Actor it proves, for one action."""
        with self.lock:
            self.ledger.sign_with(session.signer)
            try:
                yield self.ledger, Actor(session.signer.operator, session.signer.office)
            finally:
                self.ledger.sign_with(_NoOne())  # type: ignore[arg-type]

    def signer_key(self) -> SignerKey:
        if self.office_key is None:
            raise InvalidInput("CERTLEDGER_KEY_PASSPHRASE", "the console signs with the office key: start it "
                                                            "with the key's passphrase")
        return SignerKey.of(self.office_key, authority(self.office).office)

    def close(self) -> None:
        self.accounts.close()
