"""The console's accounts: one per operator (username = the operator's name on the credential), with a role,
an argon2id hash of the login password (the same password seals the operator's credential), an optional TOTP
secret and a disabled flag; and the append-only record of logins and failed logins.

A private SQLite file under the home (0600, its directory 0700: config.datadir). The record table refuses
UPDATE and DELETE (triggers), so a login, once written, stays.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from config.datadir import make_private_dir, private_umask, sqlite_files, tighten
from ledger.errors import AlreadyExists, InvalidInput, NotFound
from office.passwords import hash_password
from office.roles import Role, parse_role

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY, office TEXT NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    totp_secret TEXT, disabled INTEGER NOT NULL DEFAULT 0, credential TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logins (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, username TEXT NOT NULL, address TEXT NOT NULL,
    outcome TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logins_by_user ON logins (username, at);
CREATE INDEX IF NOT EXISTS logins_by_address ON logins (address, at);
CREATE TRIGGER IF NOT EXISTS logins_no_update BEFORE UPDATE ON logins
    BEGIN SELECT RAISE(ABORT, 'the login record is append-only'); END;
CREATE TRIGGER IF NOT EXISTS logins_no_delete BEFORE DELETE ON logins
    BEGIN SELECT RAISE(ABORT, 'the login record is append-only'); END;
"""

DEFAULT_FILE = "console-accounts.sqlite"  # under the home
OK = "ok"
FAILED_OUTCOMES = ("bad-password", "bad-totp", "unknown-account", "disabled", "no-credential")


@dataclass(frozen=True)
class Account:
    username: str
    office: str
    role: Role
    password_hash: str
    totp_secret: str | None
    disabled: bool
    credential: str  # the credential id (SHA-256 of its certificate) the password unseals
    created_at: datetime


@dataclass(frozen=True)
class LoginRecord:
    at: datetime
    username: str
    address: str
    outcome: str


def parse_username(value: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= 50 or any(c.isspace() or not c.isprintable() for c in text):
        raise InvalidInput("username", "1-50 characters, no spaces (the operator's name on the credential)")
    return text


class AccountStore:
    """Accounts and the login record in one private SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        private_umask()
        make_private_dir(self.path.parent)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        tighten(sqlite_files(self.path))
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------ accounts
    def add(self, username: str, office: str, role: Role | str, password: str, credential: str, now: datetime,
            totp_secret: str | None = None) -> Account:
        name = parse_username(username)
        try:
            chosen = role if isinstance(role, Role) else parse_role(role)
        except ValueError as e:
            raise InvalidInput("role", str(e).partition(": ")[2]) from None
        digest = hash_password(password)
        with self._tx() as db:
            if db.execute("SELECT 1 FROM accounts WHERE username = ?", (name,)).fetchone():
                raise AlreadyExists(f"account {name} exists")
            db.execute("INSERT INTO accounts VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                       (name, office, chosen.value, digest, totp_secret, credential, now.isoformat()))
        return self.get(name)

    def get(self, username: str) -> Account:
        found = self.find(username)
        if found is None:
            raise NotFound(f"no account {username}")
        return found

    def find(self, username: str) -> Account | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
        return _account(row) if row else None

    def all(self) -> list[Account]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM accounts ORDER BY office, username").fetchall()
        return [_account(r) for r in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM accounts").fetchone()[0])

    def set_role(self, username: str, role: Role) -> Account:
        self._update(username, "role = ?", role.value)
        return self.get(username)

    def set_disabled(self, username: str, disabled: bool) -> Account:
        self._update(username, "disabled = ?", int(disabled))
        return self.get(username)

    def set_totp(self, username: str, secret: str | None) -> Account:
        self._update(username, "totp_secret = ?", secret)
        return self.get(username)

    def rehash(self, username: str, digest: str) -> None:
        self._update(username, "password_hash = ?", digest)

    def _update(self, username: str, assignment: str, value: object) -> None:
        with self._tx() as db:
            if db.execute(f"UPDATE accounts SET {assignment} WHERE username = ?", (value, username)).rowcount != 1:
                raise NotFound(f"no account {username}")

    # ------------------------------------------------------- login record
    def record_login(self, username: str, address: str, outcome: str, now: datetime) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO logins (at, username, address, outcome) VALUES (?, ?, ?, ?)",
                       (now.isoformat(), username[:64], address[:64], outcome))

    def failures_since(self, *, since: datetime, username: str | None = None, address: str | None = None) -> int:
        """Failed logins since `since`, of one account or from one address (since its last success there)."""
        column, value = ("username", username) if username is not None else ("address", address)
        marks = ", ".join("?" for _ in FAILED_OUTCOMES)
        query = (f"SELECT count(*) FROM logins WHERE {column} = ? AND at >= ? AND outcome IN ({marks}) AND at > "
                 f"coalesce((SELECT max(at) FROM logins WHERE {column} = ? AND outcome = 'ok'), '')")
        with self._lock:
            return int(self._db.execute(query, (value, since.isoformat(), *FAILED_OUTCOMES, value)).fetchone()[0])

    def logins(self, limit: int = 200) -> list[LoginRecord]:
        with self._lock:
            rows = self._db.execute("SELECT at, username, address, outcome FROM logins ORDER BY id DESC LIMIT ?",
                                    (limit,)).fetchall()
        return [LoginRecord(datetime.fromisoformat(a), u, ad, o) for a, u, ad, o in rows]


def _account(row: tuple[object, ...]) -> Account:
    username, office, role, digest, totp, disabled, credential, created = row
    return Account(str(username), str(office), Role(str(role)), str(digest), str(totp) if totp else None,
                   bool(disabled), str(credential), datetime.fromisoformat(str(created)))


def window(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)
