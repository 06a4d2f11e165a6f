"""Rate limits shared by every worker and instance: one row per bucket and client in the ledger's database.

A bucket allows `per_minute` requests per client in any minute, refilled continuously (a burst of
`per_minute`, then one every 60/per_minute seconds). It is kept as GCRA's single "theoretical arrival
time" per client, so one `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement both decides and
records a request: atomic in SQLite (one writer at a time) and in PostgreSQL (the row's lock), so
N workers or hosts together allow the rate once, not N times.

Where: `<home>/ratelimits.sqlite` beside a SQLite ledger (not the ledger's own file: a request must
never wait on the command's write lock), a table in the ledger's database and schema for PostgreSQL.

No client address is stored: a row's key is HMAC-SHA256 of the address under a key derived from a
secret in the data directory (`<home>/ratelimit.secret`, mode 0600, made on first start, never
logged), truncated to 16 bytes. Every worker of a home derives the same key; instances on several
hosts that share a PostgreSQL ledger must share that file too, or each keys its own rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import math
import os
import secrets
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("verify_api")

TABLE = "rate_limits"
SECRET_FILE = "ratelimit.secret"
_KEY_LABEL = b"certledger rate-limit buckets v1"
_PURGE_EVERY = 60.0  # seconds between deleting the rows of full buckets (a full bucket is no row)

# `ok` is whether the row's last request was allowed: what RETURNING hands back beside the new time.
_COLUMNS = "bucket TEXT NOT NULL, client {blob} NOT NULL, tat DOUBLE PRECISION NOT NULL, ok INTEGER NOT NULL, " \
           "PRIMARY KEY (bucket, client)"
# Allowed when max(tat, now) + interval - now <= window; then tat moves on by one interval, else it stays.
_TAKE = ("INSERT INTO {table} AS r (bucket, client, tat, ok) VALUES ({p}, {p}, {p}, 1) "
         "ON CONFLICT (bucket, client) DO UPDATE SET "
         "ok = CASE WHEN {max}(r.tat, {p}) <= {p} THEN 1 ELSE 0 END, "
         "tat = CASE WHEN {max}(r.tat, {p}) <= {p} THEN {max}(r.tat, {p}) + {p} ELSE r.tat END "
         "RETURNING ok, tat")


class RateLimitUnavailable(Exception):
    """The limits' database cannot be read or written: the request is refused (503), never let through."""


@dataclass(frozen=True)
class Bucket:
    """A named limit: `per_minute` requests per client."""

    name: str
    per_minute: int

    @property
    def interval(self) -> float:
        return 60.0 / max(self.per_minute, 1)

    @property
    def window(self) -> float:
        """How far ahead of now a client's arrival time may run: the whole burst."""
        return self.interval * max(self.per_minute, 1)


class BucketStore(Protocol):
    def take(self, bucket: str, client: bytes, now: float, interval: float, window: float) -> tuple[bool, float]:
        """Decide and record one request: (allowed, the client's arrival time after it)."""

    def purge(self, now: float) -> None:
        """Delete the rows of buckets that are full again."""

    def close(self) -> None: ...


def _take_params(bucket: str, client: bytes, now: float, interval: float, window: float) -> tuple[Any, ...]:
    limit = now + window - interval  # the latest max(tat, now) that still allows a request
    return bucket, client, now + interval, now, limit, now, limit, now, interval


class SqliteBuckets:
    """The rows in a small SQLite file every worker of the host opens (WAL, a busy timeout)."""

    def __init__(self, path: Path, timeout: float = 5.0) -> None:
        self.path = path
        self.timeout = timeout
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._sql = _TAKE.format(table=TABLE, p="?", max="max")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # a limit lost with the host's power is no loss
            conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({_COLUMNS.format(blob='BLOB')})")
            self._conn = conn
        return self._conn

    def take(self, bucket: str, client: bytes, now: float, interval: float, window: float) -> tuple[bool, float]:
        with self._lock:
            try:
                ok, tat = self._connection().execute(self._sql, _take_params(bucket, client, now, interval,
                                                                             window)).fetchone()
            except sqlite3.Error as e:
                raise RateLimitUnavailable(f"{type(e).__name__}: {e}") from None
        return bool(ok), float(tat)

    def purge(self, now: float) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._connection().execute(f"DELETE FROM {TABLE} WHERE tat <= ?", (now,))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class PostgresBuckets:
    """The rows in a table of the ledger's PostgreSQL database (and schema), created on first use."""

    def __init__(self, postgres: Mapping[str, Any]) -> None:
        """`postgres`: host, port, dbname, user, password and schema, as the settings give them."""
        self.conninfo = {k: v for k, v in postgres.items() if k != "schema"}
        self.schema = str(postgres.get("schema") or "")
        self._conn: Any = None
        self._lock = threading.Lock()

    def _table(self) -> Any:
        from psycopg import sql

        return sql.Identifier(self.schema, TABLE) if self.schema else sql.Identifier(TABLE)

    def _connection(self) -> Any:
        import psycopg
        from psycopg import sql

        if self._conn is None or self._conn.closed:
            conn = psycopg.connect(**self.conninfo, autocommit=True, connect_timeout=5)
            with contextlib.suppress(psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
                conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (" + _COLUMNS.format(blob="BYTEA") + ")")
                             .format(self._table()))
            self._conn = conn
        return self._conn

    def _run(self, statement: str, params: tuple[Any, ...]) -> Any:
        import psycopg
        from psycopg import sql

        with self._lock:
            for attempt in (1, 2):  # a connection the server dropped is opened again once
                try:
                    conn = self._connection()
                    return conn.execute(sql.SQL(statement).format(self._table()), params)
                except psycopg.OperationalError as e:
                    if self._conn is not None:
                        self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise RateLimitUnavailable(f"{type(e).__name__}: {e}") from None
                except psycopg.Error as e:
                    raise RateLimitUnavailable(f"{type(e).__name__}: {e}") from None
        raise AssertionError("unreachable")

    def take(self, bucket: str, client: bytes, now: float, interval: float, window: float) -> tuple[bool, float]:
        statement = _TAKE.format(table="{}", p="%s", max="GREATEST")
        ok, tat = self._run(statement, _take_params(bucket, client, now, interval, window)).fetchone()
        return bool(ok), float(tat)

    def purge(self, now: float) -> None:
        with contextlib.suppress(RateLimitUnavailable):
            self._run("DELETE FROM {} WHERE tat <= %s", (now,))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def load_secret(home: Path) -> bytes:
    """The data directory's rate-limit secret, made (mode 0600) by the first worker that finds none."""
    path = home / SECRET_FILE
    if not path.exists():
        tmp = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")  # per process and thread
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode("ascii") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):  # another worker made it first: theirs stands
            os.link(tmp, path)
        tmp.unlink()
    info = path.stat()
    if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
        raise PermissionError(f"{path}: the rate-limit secret must be a file only its owner can read "
                              f"(mode 0600, not {stat.S_IMODE(info.st_mode):04o})")
    text = path.read_bytes().strip()
    if len(text) < 32:
        raise ValueError(f"{path}: the rate-limit secret must hold at least 32 characters")
    return text


class SharedLimits:
    """Decides a client's request against a bucket; clients are keys under the data directory's secret."""

    def __init__(self, store: BucketStore, secret: bytes | Callable[[], bytes],
                 clock: Callable[[], float] = time.time) -> None:
        """`secret`, or what reads it on first use (so building an application touches no file)."""
        self.store = store
        self._secret = secret
        self._key: bytes | None = None
        self._lock = threading.Lock()
        self._clock = clock
        self._purged = clock()

    def key(self, bucket: str, client: str) -> bytes:
        """The row key of a client in a bucket: HMAC-SHA256 under the derived key, truncated to 16 bytes."""
        if self._key is None:
            with self._lock:  # the first limited requests may come in two threads at once
                if self._key is None:
                    secret = self._secret if isinstance(self._secret, bytes) else self._secret()
                    self._key = hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()
        message = bucket.encode() + b"\0" + client.encode("utf-8", "replace")
        return hmac.new(self._key, message, hashlib.sha256).digest()[:16]

    def take(self, bucket: Bucket, client: str) -> float:
        """Take one request; 0 when allowed, else the seconds until the client's next one is."""
        now = self._clock()
        ok, tat = self.store.take(bucket.name, self.key(bucket.name, client), now, bucket.interval, bucket.window)
        if now - self._purged > _PURGE_EVERY:
            self._purged = now
            self.store.purge(now)
        if ok:
            return 0.0
        return max(tat + bucket.interval - bucket.window - now, 0.001)

    def close(self) -> None:
        self.store.close()


def open_limits(store: str, home: Path, postgres: Mapping[str, Any]) -> SharedLimits:
    """The limits of a service on this store: PostgreSQL's table, or the SQLite file in the data directory."""
    buckets: BucketStore
    buckets = PostgresBuckets(postgres) if store == "postgres" else SqliteBuckets(home / "ratelimits.sqlite")
    return SharedLimits(buckets, lambda: load_secret(home))


def retry_after(seconds: float) -> str:
    """A Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
