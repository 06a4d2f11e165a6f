"""One PostgreSQL connection of the service's own for short questions to the server (its snapshot, its replay):
opened on first use, autocommit, opened again once when the server dropped it."""

from __future__ import annotations

import contextlib
import threading
from typing import Any


class LazyConnection:
    def __init__(self, postgres: dict[str, Any]) -> None:
        self.conninfo = {k: v for k, v in postgres.items() if k != "schema"}  # a question to the server, not a schema
        self._conn: Any = None
        self._lock = threading.Lock()

    def fetchone(self, statement: Any) -> tuple[Any, ...]:
        """The statement's one row (text or psycopg composed); psycopg's errors propagate once a second
        connection failed too."""
        import psycopg

        with self._lock:
            for attempt in (1, 2):  # a connection the server dropped is opened again once
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = psycopg.connect(**self.conninfo, autocommit=True, connect_timeout=5)
                    return tuple(self._conn.execute(statement).fetchone())
                except psycopg.OperationalError:
                    self._close_unlocked()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _close_unlocked(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        with self._lock:
            self._close_unlocked()
