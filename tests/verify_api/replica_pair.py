"""A PostgreSQL primary and its streaming replica on loopback (scripts/pg-up.sh --replica), for the replica tests."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
_KEYS = ("HOST", "USER", "PASSWORD", "DBNAME")


@dataclass(frozen=True)
class Pair:
    host: str
    primary_port: int
    replica_port: int
    user: str
    password: str
    dbname: str

    def connect(self, port: int) -> psycopg.Connection[Any]:
        return psycopg.connect(host=self.host, port=port, user=self.user, password=self.password,
                               dbname=self.dbname, autocommit=True, connect_timeout=5)

    def env(self, port: int, schema: str) -> dict[str, str]:
        """The library's settings for the ledger on one of the two servers."""
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_HOST": self.host,
                "POSTGRES_PORT": str(port), "POSTGRES_USER": self.user, "POSTGRES_PASSWORD": self.password,
                "POSTGRES_DBNAME": self.dbname, "POSTGRES_SCHEMA": schema}

    def settings(self, port: int, schema: str) -> dict[str, Any]:
        """ServiceSettings fields for the ledger on one of the two servers."""
        return {"store": "postgres", "postgres_host": self.host, "postgres_port": port, "postgres_user": self.user,
                "postgres_password": self.password, "postgres_dbname": self.dbname, "postgres_schema": schema}

    def replayed(self, timeout: float = 20.0) -> float:
        """Wait until the replica has replayed everything the primary has written so far; the seconds it took."""
        started = time.monotonic()
        with self.connect(self.primary_port) as p:
            target = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        with self.connect(self.replica_port) as r:
            while True:
                done = r.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]  # type: ignore[index]
                if done:
                    return time.monotonic() - started
                if time.monotonic() - started > timeout:
                    pytest.fail(f"the replica did not replay {target} within {timeout} s")
                time.sleep(0.01)


def _from_script() -> dict[str, str]:
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "pg-up.sh"), "--replica", "--env"], capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"scripts/pg-up.sh --replica failed: {proc.stderr.strip()}", pytrace=False)
    found = {}
    for line in proc.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        found[name] = value
    return found


def start_pair() -> Pair:
    """The pair named by CERTLEDGER_TEST_PRIMARY_PORT / _REPLICA_PORT, else the one pg-up.sh --replica starts."""
    found = dict(os.environ) if os.environ.get("CERTLEDGER_TEST_REPLICA_PORT") else _from_script()
    get = {k: found.get(f"CERTLEDGER_TEST_POSTGRES_{k}", "") for k in _KEYS}
    return Pair(get["HOST"] or "127.0.0.1", int(found["CERTLEDGER_TEST_PRIMARY_PORT"]),
                int(found["CERTLEDGER_TEST_REPLICA_PORT"]), get["USER"] or "certledger",
                get["PASSWORD"] or "certledger", get["DBNAME"] or "certledger_test")


def fresh_schema(pair: Pair) -> Iterator[str]:
    """A schema of the test's own on the primary, once the replica has it too; dropped after."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with pair.connect(pair.primary_port) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    pair.replayed()
    try:
        yield schema
    finally:
        with pair.connect(pair.primary_port) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def as_superuser(pair: Pair, port: int, statement: str) -> str:
    """Run one statement as the cluster's superuser (the tests run as root, as pg-up.sh does)."""
    proc = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                           "-p", str(port), "-d", "postgres", "-c", statement], capture_output=True, text=True,
                          timeout=30, cwd="/")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()
