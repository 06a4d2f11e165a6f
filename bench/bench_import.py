"""Bulk import on SQLite and PostgreSQL, beside the library's own save 100 at a time, in one run.

    eval "$(bash scripts/pg-up.sh --env)"                # the server (CERTLEDGER_TEST_POSTGRES_*)
    .venv/bin/python -m bench.bench_import               # 1,000,000 certificates (many minutes)
    .venv/bin/python -m bench.bench_import --count 200000

One generated file of valid Shandong certificates is parsed and validated once (timed); the same
validated rows are then recorded by `CertLedger.import_many` (the import's events built, written with
their transparency-log leaves in one transaction) into an empty SQLite store and an empty PostgreSQL
schema (dropped afterwards). The references, on SQLite in the same run: the library's `save()` 100
aggregates at a time, of a trivial aggregate (bench_ledger's reference) and of the same certificates
(no log). Prints the machine and the figures; writes them as JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_ledger import machine, reference_batched_save
from bench.figures import write_figures
from bench.gen_certificates import write
from formats.import_file import read_rows
from ledger import bulk
from ledger.application import Actor, CertLedger
from ledger.domain import Certificate
from ledger.importer import validate_rows
from ledger.values import CertificateData

PROVINCE = Actor("bench", "1500")  # the provincial office: every city's certificates
PG_KEYS = ("HOST", "PORT", "USER", "PASSWORD", "DBNAME")


def timed(what: Callable[[], object]) -> float:
    started = time.perf_counter()
    what()
    return time.perf_counter() - started


def record(env: dict[str, str], datas: Sequence[CertificateData]) -> dict[str, float]:
    """Seconds of import_many into the store `env` names (the log on)."""
    app = CertLedger(env=env, transparency_log=True)
    try:
        seconds = timed(lambda: app.import_many(PROVINCE, datas, "bench.csv"))
        assert app.translog is not None and app.translog.size() == len(datas), "the log is not whole"
        assert app.recorder.max_notification_id() == len(datas)
    finally:
        app.close()
    return {"seconds": seconds}


def library_save_certificates(db: Path, datas: Sequence[CertificateData], batch: int = 100) -> float:
    """Certificates/s of the library's save() of the import's own aggregates, `batch` at a time, on SQLite."""
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)})
    at = app.now()
    try:
        seconds = timed(lambda: [app.save(*[Certificate.import_record(d, "bench.csv", PROVINCE.operator,
                                                                      PROVINCE.office, at)
                                            for d in datas[i:i + batch]]) for i in range(0, len(datas), batch)])
    finally:
        app.close()
    return len(datas) / seconds


def write_stage(envs: dict[str, dict[str, str]], datas: Sequence[CertificateData]) -> dict[str, float]:
    """Events/s of the write alone, the same built events each time: the library's EventStore.put on SQLite
    beside ledger.bulk.put on each store (the library's put on PostgreSQL stalls from ~20,000)."""
    at = datetime.now(UTC)
    events = [e for d in datas for e in Certificate.import_record(d, "bench.csv", PROVINCE.operator, PROVINCE.office,
                                                                  at).collect_events()]
    rates: dict[str, float] = {}
    for name, env in envs.items():
        app = CertLedger(env=env)
        try:
            started = time.perf_counter()
            if name == "library_sqlite":
                app.events.put(events)
            else:
                bulk.put(app.recorder, app.mapper, events)
            rates[name] = len(events) / (time.perf_counter() - started)
        finally:
            app.close()
    return rates


@contextmanager
def postgres_schema() -> Iterator[dict[str, str]]:
    """An empty schema on the server the tests use; dropped afterwards."""
    import psycopg
    from psycopg import sql

    missing = [k for k in PG_KEYS if not os.environ.get(f"CERTLEDGER_TEST_POSTGRES_{k}")]
    if missing:
        raise SystemExit('no PostgreSQL settings: run eval "$(bash scripts/pg-up.sh --env)" first')
    settings = {k: os.environ[f"CERTLEDGER_TEST_POSTGRES_{k}"] for k in PG_KEYS}
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    connect = {"host": settings["HOST"], "port": int(settings["PORT"]), "user": settings["USER"],
               "password": settings["PASSWORD"], "dbname": settings["DBNAME"], "autocommit": True}
    with psycopg.connect(**connect) as conn:  # type: ignore[arg-type]
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield {"PERSISTENCE_MODULE": "eventsourcing.postgres", **{f"POSTGRES_{k}": v for k, v in settings.items()},
               "POSTGRES_SCHEMA": schema}
    finally:
        with psycopg.connect(**connect) as conn:  # type: ignore[arg-type]
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _references(tmp: Path, datas: list[CertificateData], ref_n: int) -> tuple[float, float, dict[str, float]]:
    """The library's save() 100 at a time (trivial aggregate, the same certificates), and the write stage alone."""
    ref_trivial = reference_batched_save(tmp / "ref-trivial.sqlite", ref_n, 100)
    ref_certs = library_save_certificates(tmp / "ref-certs.sqlite", datas[:ref_n])
    gc.collect()
    print(f"library save() 100 at a time on SQLite: trivial aggregate {ref_trivial:,.0f} events/s, "
          f"the import's certificates {ref_certs:,.0f}/s ({ref_n:,} each, no log)")
    sqlite_env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite"}
    with postgres_schema() as env:
        stage = write_stage({"library_sqlite": {**sqlite_env, "SQLITE_DBNAME": str(tmp / "w-library.sqlite")},
                             "bulk_sqlite": {**sqlite_env, "SQLITE_DBNAME": str(tmp / "w-bulk.sqlite")},
                             "bulk_postgres": env}, datas[:ref_n])
    gc.collect()
    print(f"the write alone ({ref_n:,} built events, one transaction): library EventStore.put on SQLite "
          f"{stage['library_sqlite']:,.0f}/s; ledger.bulk.put on SQLite {stage['bulk_sqlite']:,.0f}/s, "
          f"on PostgreSQL {stage['bulk_postgres']:,.0f}/s")
    return ref_trivial, ref_certs, stage


def _report(n: int, validate: float, references: tuple[float, float, dict[str, float]],
            seconds: dict[str, float]) -> dict[str, object]:
    ref_trivial, ref_certs, stage = references
    rate = {k: n / v for k, v in seconds.items()}
    whole = {k: n / (validate + n / r) for k, r in rate.items()}
    ratios = {
        "postgres_to_sqlite": round(rate["postgres"] / rate["sqlite"], 2),
        "sqlite_to_trivial_save_100": round(rate["sqlite"] / ref_trivial, 2),
        "sqlite_to_certificates_save_100": round(rate["sqlite"] / ref_certs, 2),
        "with_validation_sqlite_to_trivial_save_100": round(whole["sqlite"] / ref_trivial, 2),
    }
    for k in ("sqlite", "postgres"):
        print(f"import_many into {k}: {n:,} in {n / rate[k]:.1f} s = {rate[k]:,.0f}/s (events built, written "
              f"with their log leaves in one transaction); with parsing and validation {whole[k]:,.0f}/s")
    print(f"ratios: PostgreSQL/SQLite {ratios['postgres_to_sqlite']:.2f} (target >= 0.8); SQLite/library save-100 "
          f"{ratios['sqlite_to_trivial_save_100']:.2f} of the trivial aggregate (target >= 1.0), "
          f"{ratios['sqlite_to_certificates_save_100']:.2f} of the same certificates; with validation "
          f"{ratios['with_validation_sqlite_to_trivial_save_100']:.2f} of the trivial aggregate")
    return {
        "validate_per_s": round(n / validate),
        "reference_per_s": {"trivial_save_100": round(ref_trivial), "certificates_save_100": round(ref_certs)},
        "write_stage_per_s": {k: round(v) for k, v in stage.items()},
        "record_per_s": {k: round(v) for k, v in rate.items()},
        "with_validation_per_s": {k: round(v) for k, v in whole.items()},
        "ratios": ratios,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="certificates to import")
    parser.add_argument("--reference", type=int, default=200_000, help="events the references save (at most count)")
    args = parser.parse_args()
    n, ref_n = args.count, min(args.count, args.reference)

    figures: dict[str, object] = {"machine": machine(), "count": n, "load_average": os.getloadavg()}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False), f"load average {os.getloadavg()[0]:.1f}")
    gc.disable()  # as `certledger import` does: millions of live objects until the save
    with tempfile.TemporaryDirectory(prefix="certledger-bench-import-") as tmp_name:
        tmp = Path(tmp_name)
        path = write(tmp / "certificates.csv", n)
        datas: list[CertificateData] = []
        validate = timed(lambda: datas.extend(validate_rows(read_rows(path), path.name)))
        print(f"parse and validate {n:,} rows: {validate:.1f} s = {n / validate:,.0f}/s (once, for both stores)")
        references = _references(tmp, datas, ref_n)
        sqlite = record({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp / "bulk.sqlite")},
                        datas)
        gc.collect()
        with postgres_schema() as env:
            postgres = record(env, datas)
    gc.enable()
    figures.update(_report(n, validate, references, {"sqlite": sqlite["seconds"], "postgres": postgres["seconds"]}))
    print(f"figures written to {write_figures('import', figures)}")


if __name__ == "__main__":
    main()
