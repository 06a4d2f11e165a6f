"""The PostgreSQL recorder that takes writers (ledger.recorders), in its own module so that a SQLite or
in-memory store never imports psycopg."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing import postgres
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from ledger.recorders import Tx, Writers


class PostgresRecorder(Writers, postgres.PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writers = []

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not self.writers:
            return super().insert_events(stored_events, **kwargs)
        # The library's own version runs in a pipeline and keeps any exception until the transaction
        # block has exited, which commits: a writer's failure must roll the events back instead.
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return []
            self._insert_stored_events(curs, stored_events, **kwargs)  # takes the table lock first
            ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            # The library names its schema in every statement; the writers' tables sit beside its table.
            curs.execute(SQL("SET LOCAL search_path TO {}").format(Identifier(self.datastore.schema or "public")))
            self._run_writers(Tx(curs, "%s"), stored_events, ids)
        return ids



class PostgresFactory(postgres.PostgresFactory):
    application_recorder_class = PostgresRecorder
