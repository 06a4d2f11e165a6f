"""How soon a write on the primary shows on its streaming replica, beside the write itself, in one run.

    .venv/bin/python -m bench.bench_replica              # 300 single issues (runs scripts/pg-up.sh --replica)

The pair is scripts/pg-up.sh --replica (two clusters on loopback, the replica streaming by pg_basebackup -R).
In a fresh schema on the primary, certificates are issued one save at a time (the transparency log on, as
the command writes them); after each commit the bench reads the primary's WAL position and waits until the
replica has replayed it: the replication lag a revocation would see. The reference is the save itself.
Then the replica's own view of its lag (what `/healthz` reports) is read under a steady stream of writes.
Prints the machine and the load average; writes JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.bench_ledger import machine
from bench.bench_writers import certificates
from bench.figures import write_figures
from ledger.application import Actor, CertLedger
from verify_api.standby import StoreStatus

OFFICE = Actor("bench", "1501")


def pair() -> dict[str, str]:
    proc = subprocess.run(["bash", str(Path(__file__).parents[1] / "scripts" / "pg-up.sh"), "--replica", "--env"],
                          capture_output=True, text=True, check=True, timeout=300)
    return dict(line.removeprefix("export ").split("=", 1) for line in proc.stdout.splitlines())


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(env: dict[str, str], conninfo: dict[str, Any], replica_port: int, n: int) -> dict[str, list[float]]:
    """Per issue: the save's seconds, and the seconds from its commit until the replica has replayed it."""
    app = CertLedger(env=env, transparency_log=True)
    app.ensure_default_catalog(OFFICE)
    saves, lags = [], []
    with psycopg.connect(**conninfo, autocommit=True) as primary, \
            psycopg.connect(**{**conninfo, "port": replica_port}, autocommit=True) as replica:
        for fields in certificates("1501", n, 1):
            started = time.perf_counter()
            app.issue(OFFICE, fields)
            committed = time.perf_counter()
            lsn = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
            while not replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]:  # type: ignore[index]
                time.sleep(0.0005)
            saves.append(committed - started)
            lags.append(time.perf_counter() - committed)
    app.close()
    return {"save": saves, "lag": lags}


def reported(env: dict[str, str], conninfo: dict[str, Any], replica_port: int, n: int) -> list[float]:
    """The replica's own lag (as /healthz reports it), read after each of n writes without waiting."""
    app = CertLedger(env=env, transparency_log=True)
    status = StoreStatus({**conninfo, "port": replica_port})
    seen = []
    for fields in certificates("1501", n, 100_000):
        app.issue(OFFICE, fields)
        seen.append(status.report()["replay_lag_seconds"] or 0.0)
    status.close()
    app.close()
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300, help="single issues to time")
    args = parser.parse_args()
    found = pair()
    test = "CERTLEDGER_TEST_POSTGRES_"
    conninfo: dict[str, Any] = {"host": found[test + "HOST"], "port": int(found["CERTLEDGER_TEST_PRIMARY_PORT"]),
                                "user": found[test + "USER"], "password": found[test + "PASSWORD"],
                                "dbname": found[test + "DBNAME"]}
    replica_port = int(found["CERTLEDGER_TEST_REPLICA_PORT"])
    figures: dict[str, Any] = {"machine": machine(), "load_average_before": os.getloadavg(), "count": args.count}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False), f"load average {os.getloadavg()[0]:.1f}")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    env: dict[str, str] = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_HOST": conninfo["host"],
           "POSTGRES_PORT": str(conninfo["port"]), "POSTGRES_USER": conninfo["user"],
           "POSTGRES_PASSWORD": conninfo["password"], "POSTGRES_DBNAME": conninfo["dbname"], "POSTGRES_SCHEMA": schema}
    try:
        timing = measure(env, conninfo, replica_port, args.count)
        seen = reported(env, conninfo, replica_port, args.count)
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    ms = {k: {"median": statistics.median(v) * 1000, "p99": quantile(v, 0.99) * 1000} for k, v in timing.items()}
    figures.update({"ms": {k: {q: round(x, 2) for q, x in v.items()} for k, v in ms.items()},
                    "reported_lag_ms": {"median": round(statistics.median(seen) * 1000, 2),
                                        "max": round(max(seen) * 1000, 2)},
                    "load_average_after": os.getloadavg()})
    print(f"replay on the replica after the commit: median {ms['lag']['median']:.1f} ms, p99 {ms['lag']['p99']:.1f} ms "
          f"(the save itself on the primary: median {ms['save']['median']:.1f} ms, p99 {ms['save']['p99']:.1f} ms; "
          f"lag/save {ms['lag']['median'] / ms['save']['median']:.2f})")
    print(f"the replica's own lag report under writes (/healthz): median {figures['reported_lag_ms']['median']} ms, "
          f"max {figures['reported_lag_ms']['max']} ms; load average after {os.getloadavg()[0]:.1f}")
    target = write_figures("replica", figures)
    print(f"figures written to {target}")


if __name__ == "__main__":
    main()
