"""Shared test fixtures: storage backends, application factories, valid test data.

Backends: `memory` (the library's POPO store), `sqlite` (a file in tmp_path) and
`postgres` (a fresh schema per test in the database scripts/test.sh prepares). A
postgres test never skips: without a reachable server it fails and says how to get one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from ledger.application import CertLedger
from ledger.blobs import BlobStore
from ledger.identity import gb11643_check_char

BACKEND_NAMES = ("memory", "sqlite", "postgres")
PG_SETTINGS = ("HOST", "PORT", "USER", "PASSWORD", "DBNAME")
PG_HINT = ("run the tests with scripts/test.sh: it starts PostgreSQL and exports "
           + ", ".join(f"CERTLEDGER_TEST_POSTGRES_{k}" for k in PG_SETTINGS))

# Settings the library reads from os.environ (bare or with the application's name in
# front); a developer's shell must not redirect or encrypt the tests' stores.
_LIBRARY_KEYS = ("PERSISTENCE_MODULE", "INFRASTRUCTURE_FACTORY", "CIPHER_TOPIC", "CIPHER_KEY",
                 "COMPRESSOR_TOPIC", "IS_SNAPSHOTTING_ENABLED", "SQLITE_", "POSTGRES_", "CREATE_TABLE")


def backends(*names: str) -> list[Any]:
    """pytest params for the `backend` fixture; postgres ones carry the postgres mark."""
    unknown = set(names) - set(BACKEND_NAMES)
    assert not unknown, f"unknown backend(s) {unknown}"
    return [pytest.param(n, id=n, marks=[pytest.mark.postgres] if n == "postgres" else []) for n in names]


def on_backends(*names: str) -> pytest.MarkDecorator:
    """Run a test on these backends only: @on_backends("sqlite", "postgres")."""
    return pytest.mark.parametrize("backend", backends(*names), indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # However a test picks its backends, its postgres variant carries the mark (-m "not postgres").
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgres":
            item.add_marker(pytest.mark.postgres)


@dataclass(frozen=True)
class Backend:
    name: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def persistent(self) -> bool:
        """A second application instance sees the first one's events (not so in memory)."""
        return self.name != "memory"


@pytest.fixture(autouse=True)
def _hermetic_library_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        bare = key.removeprefix("CERTLEDGER_")
        if not key.startswith("CERTLEDGER_TEST_") and bare.startswith(_LIBRARY_KEYS):
            monkeypatch.delenv(key)


def postgres_settings() -> dict[str, str]:
    """The test server's connection settings, or fail the test saying how to get one."""
    missing = [f"CERTLEDGER_TEST_POSTGRES_{k}" for k in PG_SETTINGS
               if not os.environ.get(f"CERTLEDGER_TEST_POSTGRES_{k}")]
    if missing:
        pytest.fail(f"PostgreSQL test settings missing ({', '.join(missing)}): {PG_HINT}", pytrace=False)
    return {k: os.environ[f"CERTLEDGER_TEST_POSTGRES_{k}"] for k in PG_SETTINGS}


def postgres_connect(settings: dict[str, str]) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(host=settings["HOST"], port=int(settings["PORT"]), user=settings["USER"],
                               password=settings["PASSWORD"], dbname=settings["DBNAME"], connect_timeout=5,
                               autocommit=True)
    except psycopg.OperationalError as e:
        pytest.fail(f"PostgreSQL at {settings['HOST']}:{settings['PORT']} is unreachable ({e}): {PG_HINT}",
                    pytrace=False)


@pytest.fixture(params=backends(*BACKEND_NAMES))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Where the events go. Each test gets an empty store of its own."""
    name = request.param
    if name == "memory":
        yield Backend(name, {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    elif name == "sqlite":
        yield Backend(name, {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                             "SQLITE_DBNAME": str(tmp_path / "events.sqlite")})
    else:
        settings = postgres_settings()
        schema = f"test_{uuid.uuid4().hex[:16]}"
        with postgres_connect(settings) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            yield Backend(name, {"PERSISTENCE_MODULE": "eventsourcing.postgres",
                                 **{f"POSTGRES_{k}": v for k, v in settings.items()},
                                 "POSTGRES_SCHEMA": schema})
        finally:
            with postgres_connect(settings) as conn:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


class Clock:
    """A clock that starts at a fixed instant and ticks a second per reading, so events
    get distinct, ordered times and due dates are reproducible."""

    # Monday 2024-05-06, 09:00 in China: the day after the May Day holiday.
    START = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def __call__(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


@pytest.fixture
def clock() -> Clock:
    return Clock()


AppFactory = Callable[..., CertLedger]


@pytest.fixture
def make_app(backend: Backend, tmp_path: Path, clock: Clock) -> Iterator[AppFactory]:
    """Open a CertLedger on the test's store; call again for a second instance on the same
    store (same blobs, same clock). Extra keyword arguments override the environment."""
    opened: list[CertLedger] = []

    def open_app(**env: str) -> CertLedger:
        app = CertLedger(env={**backend.env, **env}, blobs=BlobStore(tmp_path / "blobs"), clock=clock)
        opened.append(app)
        # The test runs on the backend it names, not on whatever the environment says.
        # (certledger's recorders extend the library's: the backend's class is among their bases.)
        bases = {c.__module__ for c in type(app.recorder).__mro__}
        assert backend.env["PERSISTENCE_MODULE"] in bases, type(app.recorder)
        return app

    yield open_app
    for app in opened:  # before the backend fixture drops the schema
        app.close()


def resident_id(born: date = date(1985, 3, 2), *, male: bool = True, region: str = "370102",
                serial: int = 12) -> str:
    """A valid 18-character resident ID (GB 11643): region, birth date, serial, sex digit, check char."""
    assert len(region) == 6 and 0 <= serial <= 99
    sex_digit = (1 if male else 0) + 2 * (serial % 5)
    first17 = f"{region}{born:%Y%m%d}{serial:02d}{sex_digit}"
    return first17 + gb11643_check_char(first17)


def with_wrong_check_char(id_number: str) -> str:
    """The same ID number with a check character that does not match."""
    wrong = "1" if id_number[-1] != "1" else "2"
    return id_number[:-1] + wrong


class SigningOffices:
    """A root, office keys and operator credentials for library tests that need signed saves
    (`audit` with its save checks reports every unsigned save as a forgery)."""

    ROOT, KEY, OPERATOR = "root-test-secret-1501", "key-test-secret-1501", "operator-test-secret-1501"

    def __init__(self, directory: Path, now: datetime) -> None:
        from keys.credentials import CredentialStore, SaveVerifier
        from keys.store import KeyStore

        self.now = now
        self.keys = KeyStore(directory / "keys", kdf_cost=14)  # scrypt at 2^14: test speed
        self.keys.init_root(self.ROOT, "test root", now=now - timedelta(days=30))
        self.credentials = CredentialStore(directory / "credentials", kdf_cost=14)
        self.verifier = SaveVerifier(self.keys.root_certificate_pem())
        self._office_keys: dict[str, Any] = {}

    def office_key(self, office: str) -> Any:
        if office not in self._office_keys:
            key = self.keys.generate_office_key(office, f"office {office}", self.ROOT, self.KEY,
                                                not_before=self.now - timedelta(days=1),
                                                not_after=self.now + timedelta(days=700))
            self._office_keys[office] = (key, self.keys.load_signer(key.kid, self.KEY))
        return self._office_keys[office]

    def credential(self, office: str, operator: str) -> Any:
        """A new credential of `operator` @ `office` (its office key made on first use), decrypted."""
        _, loaded = self.office_key(office)
        held = self.credentials.issue(loaded, operator, self.OPERATOR, now=self.now - timedelta(hours=1))
        return self.credentials.load(held, self.OPERATOR)

    def enrol(self, app: CertLedger, credential: Any, *, first: bool = True) -> None:
        """Record the credential (with its office key when `first`), signed by it."""
        from ledger.app_base import Actor
        from ledger.app_credentials import Enrolment

        app.sign_with(credential)
        h = credential.held
        enrolment = Enrolment(h.credential, h.operator, h.office, h.certificate_pem, h.issuer_kid, h.not_before,
                              h.not_after)
        who = Actor(h.operator, h.office)
        if first:
            key, _ = self.office_key(h.office)
            app.register_office(who, key.kid, key.algorithm, key.public_key_pem, key.certificate_pem,
                                key.not_before, key.not_after, enrolment)
        else:
            app.enrol_credential(who, enrolment)


@pytest.fixture
def offices(tmp_path: Path) -> SigningOffices:
    """Test credentials: `offices.credential("1501", "张三")`, then `offices.enrol(app, credential)`."""
    return SigningOffices(tmp_path / "pki", datetime.now(UTC).replace(microsecond=0))
