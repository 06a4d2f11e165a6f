"""`certledger serve` (the verification service, under uvicorn) and `certledger verifications` (its counts).

The command never imports verify_api: uvicorn loads the application by name in each worker,
and the counts are read straight from the service's table (verify_api/records.py owns its shape).
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from cli.output import emit, json_mode
from cli.wiring import settings, trust_list

APP = "verify_api.app:create_app_from_env"
RECORDS_TABLE = "verification_counts"  # verify_api.records.TABLE
_QUERY = "SELECT reference, minute, outcome, via, count FROM {table} WHERE reference = {p} " \
         "OR substr(reference, 1, {p}) = {p}"


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes, each with its own ledger reader.")] = 1,
    forwarded_allow_ips: Annotated[str, typer.Option(help="Proxies whose X-Forwarded-For is trusted (for the "
                                                          "per-client limits), comma-separated.")] = "127.0.0.1",
) -> None:
    """Run the verification service on this ledger: the QR page, the JSON API, PDF checks, the trust list."""
    import uvicorn

    from ledger.errors import InvalidInput, NotFound

    s = settings()
    if s.store == "memory":
        raise InvalidInput("store", "the memory store lives in one process: serve a sqlite or postgres ledger")
    if s.store == "sqlite" and not s.sqlite_file.is_file():
        raise NotFound(f"no ledger at {s.home}: run certledger init --office CODE --operator NAME")
    trust_list()  # refuse to start without a trust list that verifies against the pinned root
    if workers < 1:
        raise InvalidInput("--workers", "at least 1")
    # Each worker builds its service from the environment: hand it what --home and config.json decided.
    os.environ["CERTLEDGER_HOME"] = str(s.home.resolve())
    os.environ["CERTLEDGER_STORE"] = s.store
    uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, loop="uvloop", http="httptools",
                # The service logs its own requests (paths cut short, no query strings) when asked to.
                access_log=False, server_header=False, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                log_level="info")


def _rows(number: str) -> list[tuple[Any, ...]]:
    """(reference, minute, outcome, via, count) of a certificate's editions, or of a proof."""
    params = (number, len(number) + 1, number + "#")  # the proof itself, or NUMBER#edition
    return _postgres_rows(params) if settings().store == "postgres" else _sqlite_rows(params)


def _postgres_rows(params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    import psycopg
    from psycopg import sql

    s = settings()
    table = sql.Identifier(s.postgres_schema, RECORDS_TABLE) if s.postgres_schema else sql.Identifier(RECORDS_TABLE)
    try:
        conninfo = {k: v for k, v in s.postgres().items() if k != "schema"}
        with psycopg.connect(**conninfo, connect_timeout=5) as conn:  # type: ignore[arg-type]
            return conn.execute(sql.SQL(_QUERY.format(table="{}", p="%s")).format(table), params).fetchall()
    except psycopg.errors.UndefinedTable:  # the service has written nothing yet
        return []


def _sqlite_rows(params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    import sqlite3

    path = settings().records_path
    if not path.is_file():
        return []
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return db.execute(_QUERY.format(table=RECORDS_TABLE, p="?"), params).fetchall()
    except sqlite3.OperationalError:  # no table yet: the service has written nothing
        return []
    finally:
        db.close()


def verifications(
    number: Annotated[str, typer.Argument(help="Certificate number (every edition) or proof number.")],
) -> None:
    """How often a document was verified: counts per day (China time), outcome and channel."""
    text = number.strip().upper()
    per_day: Counter[tuple[str, str, str, str]] = Counter()
    for reference, minute, outcome, via, count in _rows(text):
        day = (datetime.strptime(minute, "%Y-%m-%dT%H:%MZ") + timedelta(hours=8)).date().isoformat()
        per_day[(day, reference, outcome, via)] += int(count)
    rows: list[dict[str, Any]] = [{"day": d, "document": r, "outcome": o, "via": v, "count": n}
                                  for (d, r, o, v), n in sorted(per_day.items())]
    if json_mode():
        emit(rows, "")
        return
    if not rows:
        emit(None, f"no verifications recorded for {text}")
        return
    for row in rows:
        emit(None, f"{row['day']}  {row['document']:<24} {row['outcome']:<12} {row['via']:<7} {row['count']:>6}")
    emit(None, f"total {sum(r['count'] for r in rows)}")
