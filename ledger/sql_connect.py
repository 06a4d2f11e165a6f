"""Connections to the SQL database the event store is configured on, for the tables kept beside the library's
(the transparency log, the verification read model): one reading of the library's settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["connector"]


def connector(env: Mapping[str, str]) -> tuple[Callable[[], Any], str, str, tuple[type[Exception], ...]] | None:
    """(connect, placeholder, blob type, driver errors) for the configured SQL store; None in memory."""
    module = env.get("PERSISTENCE_MODULE", "")
    if module == "eventsourcing.sqlite":
        path, timeout = env["SQLITE_DBNAME"], float(env.get("SQLITE_LOCK_TIMEOUT", "10"))

        def connect_sqlite() -> sqlite3.Connection:
            return sqlite3.connect(path, timeout=timeout, isolation_level="DEFERRED", check_same_thread=False)

        return connect_sqlite, "?", "BLOB", (sqlite3.Error,)
    if module == "eventsourcing.postgres":
        import psycopg

        def connect_postgres() -> Any:
            conn = psycopg.connect(host=env.get("POSTGRES_HOST", "127.0.0.1"),
                                   port=int(env.get("POSTGRES_PORT", "5432")), dbname=env["POSTGRES_DBNAME"],
                                   user=env["POSTGRES_USER"], password=env.get("POSTGRES_PASSWORD", ""))
            schema = env.get("POSTGRES_SCHEMA")
            if schema:
                conn.execute(psycopg.sql.SQL("SET search_path TO {}").format(psycopg.sql.Identifier(schema)))
                conn.commit()
            return conn

        return connect_postgres, "%s", "BYTEA", (psycopg.Error,)
    return None


def held_against_writers(conn: Any, p: str, events_table: str, ddl: Iterable[str]) -> Any:
    """A cursor in a transaction that keeps the events' writers out until it commits (SQLite `BEGIN IMMEDIATE`,
    PostgreSQL `LOCK TABLE … IN EXCLUSIVE MODE`), with the tables of `ddl` made first: what an index filled
    from the stored events needs, so that no save falls between the read and the commit."""
    cur = conn.cursor()
    if p == "?":
        cur.execute("BEGIN IMMEDIATE")
    for statement in ddl:
        cur.execute(statement)
    if p != "?":
        cur.execute(f"LOCK TABLE {events_table} IN EXCLUSIVE MODE")
    return cur
