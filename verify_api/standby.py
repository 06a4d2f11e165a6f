"""Serving from a PostgreSQL streaming replica (a hot standby): what it is, how far behind, where writes go.

A standby is read-only: every write fails there ("cannot execute … in a read-only transaction"). The
service reads the ledger only; its two writes are its own operational rows, the verification counts
(verify_api/records.py) and the rate limits (verify_api/ratelimit.py). On a standby they go
- to the primary, when `CERTLEDGER_POSTGRES_PRIMARY_HOST` (and `_PORT`, default the ledger's port)
  names it: the same database, schema, role and password (a physical replica has the primary's roles),
  so every instance shares one set of limits and `certledger verifications` on any replica sees the
  counts (replicated back);
- else to this instance's `<home>/verifications.sqlite` and `<home>/ratelimits.sqlite`: the workers of
  one instance share them, each instance limits on its own (N instances allow N times the rate).
Each worker says at start which it chose. A standby promoted later keeps that choice until restarted.

How far behind (`/healthz`): the standby's received and replayed WAL positions and the time of the last
transaction it replayed. Everything received replayed: lag 0; else now - that time. With the role in
`pg_read_all_stats`, also the WAL receiver's state (else PostgreSQL hides it: `receiver` is null).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from verify_api.pgconn import LazyConnection
from verify_api.settings import ServiceSettings

log = logging.getLogger("verify_api")

_STATUS = ("SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text, "
           "pg_last_xact_replay_timestamp(), now(), "
           "COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0), "
           "(SELECT status FROM pg_stat_wal_receiver LIMIT 1)")


@dataclass(frozen=True)
class Placement:
    """Where the service's own rows go: the ledger's database, the primary's, or local SQLite files."""

    where: str  # "ledger", "primary" or "local"
    postgres: dict[str, Any] | None  # connection settings (with schema) for a PostgreSQL target, else None


class StoreStatus:
    """Asks the ledger's PostgreSQL server whether it is a standby and how far its replay is behind."""

    def __init__(self, postgres: dict[str, Any]) -> None:
        self._conn = LazyConnection(postgres)

    def _query(self) -> tuple[Any, ...]:
        return self._conn.fetchone(_STATUS)

    def is_standby(self) -> bool:
        return bool(self._query()[0])

    def report(self) -> dict[str, Any]:
        """`{"standby": False}` on a primary; on a standby its WAL positions, last replay and lag."""
        standby, received, replayed, replayed_at, now, behind, receiver = self._query()
        if not standby:
            return {"standby": False}
        # Caught up with what it received, and (where PostgreSQL shows it) still receiving: no lag it can see.
        caught_up = received is not None and behind == 0 and receiver in (None, "streaming")
        lag = 0.0 if caught_up else _seconds_between(replayed_at, now)
        return {"standby": True, "replay_lag_seconds": lag, "last_replayed_at": _iso(replayed_at),
                "received_lsn": received, "replayed_lsn": replayed, "replay_behind_bytes": int(behind),
                "receiver": receiver}

    def close(self) -> None:
        self._conn.close()


def _seconds_between(earlier: datetime | None, later: datetime) -> float | None:
    return None if earlier is None else max((later - earlier).total_seconds(), 0.0)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def placement(settings: ServiceSettings, status: StoreStatus | None) -> Placement:
    """Where this worker writes its counts and rate limits, said once in the log when it is not the ledger."""
    if settings.store != "postgres" or status is None:
        return Placement("local", None)
    try:
        standby = status.is_standby()
    except Exception as e:  # the server is down now: the ledger's database, as before; /healthz says 503
        log.warning("cannot ask the ledger's server whether it is a standby (%s)", type(e).__name__)
        return Placement("ledger", settings.postgres())
    if not standby:
        return Placement("ledger", settings.postgres())
    where = f"{settings.postgres_host}:{settings.postgres_port}"
    if settings.postgres_primary_host:
        primary = {**settings.postgres(), "host": settings.postgres_primary_host,
                   "port": settings.postgres_primary_port or settings.postgres_port}
        log.info("the ledger at %s is a hot standby (read-only): verification counts and rate limits go to the "
                 "primary at %s:%s", where, primary["host"], primary["port"])
        return Placement("primary", primary)
    log.warning("the ledger at %s is a hot standby (read-only): verification counts and rate limits are kept in "
                "this instance's %s and %s (each instance limits on its own); set CERTLEDGER_POSTGRES_PRIMARY_HOST "
                "to share them through the primary", where, settings.records_path,
                settings.home / "ratelimits.sqlite")
    return Placement("local", None)
