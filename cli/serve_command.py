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
PROTOCOL = "verify_api.protocol:BoundedHttpToolsProtocol"
RECORDS_TABLE = "verification_counts"  # verify_api.records.TABLE
_QUERY = "SELECT reference, minute, outcome, via, count FROM {table} WHERE reference = {p} " \
         "OR substr(reference, 1, {p}) = {p}"


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes, each with its own ledger reader.")] = 1,
    trusted_proxies: Annotated[str | None, typer.Option(
        help="Proxies whose X-Forwarded-For names the client (for the rate limits): addresses or networks, "
             "comma-separated. Default: CERTLEDGER_TRUSTED_PROXIES, else none.")] = None,
    timeout_keep_alive: Annotated[int, typer.Option(help="Seconds an idle kept-alive connection stays open.")] = 5,
    limit_concurrency: Annotated[int, typer.Option(help="Connections and requests at once per worker; beyond "
                                                        "it a request is answered 503.")] = 512,
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
    if limit_concurrency < 1 or timeout_keep_alive <= 0:
        raise InvalidInput("--limit-concurrency" if limit_concurrency < 1 else "--timeout-keep-alive", "above 0")
    # Each worker builds its service from the environment: hand it what --home and config.json decided.
    os.environ["CERTLEDGER_HOME"] = str(s.home.resolve())
    os.environ["CERTLEDGER_STORE"] = s.store
    if trusted_proxies is not None:
        os.environ["CERTLEDGER_TRUSTED_PROXIES"] = _checked_proxies(trusted_proxies)
    else:
        _checked_proxies(os.environ.get("CERTLEDGER_TRUSTED_PROXIES", ""))
    # uvicorn's own proxy handling is off: it would take X-Forwarded-For from 127.0.0.1 by default. The
    # service reads the header itself, from the trusted proxies only (verify_api/clients.py). The protocol
    # is httptools with header size and count limits and header and body deadlines (verify_api/protocol.py).
    uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, loop="uvloop", http=PROTOCOL,
                # The service logs its own requests (paths cut short, no query strings) when asked to.
                access_log=False, server_header=False, proxy_headers=False, timeout_keep_alive=timeout_keep_alive,
                limit_concurrency=limit_concurrency, log_level="info")


def _checked_proxies(spec: str) -> str:
    """The trusted proxies as given, once each entry is an IP address or network."""
    import ipaddress

    from ledger.errors import InvalidInput

    for entry in (e.strip() for e in spec.split(",")):
        try:
            if entry:
                ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise InvalidInput("--trusted-proxies", f"IP addresses or networks, comma-separated; not {entry!r}") \
                from None
    return spec


def _rows(number: str) -> list[tuple[Any, ...]]:
    """(reference, minute, outcome, via, count) of a certificate's editions, or of a proof."""
    params = (number, len(number) + 1, number + "#")  # the proof itself, or NUMBER#edition
    if settings().store != "postgres":
        return _sqlite_rows(params)
    # A service on a hot standby without a primary named keeps its counts in the home's file (verify_api/standby.py).
    return _postgres_rows(params) + _sqlite_rows(params)


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
