"""First scans (caches off) from the verification read model, on SQLite and PostgreSQL, beside references.

    .venv/bin/python -m bench.bench_first_scan                    # 1,000,000 certificates on SQLite
    .venv/bin/python -m bench.bench_first_scan --n 100000 --pg-n 100000 --seconds 10
    eval "$(bash scripts/pg-up.sh --env)" first for the PostgreSQL half (--pg-n 0 skips it)

Each store gets N certificates (`certledger import`), a few hundred signed written proofs (`certledger
prove-batch`) and a signed checkpoint, as bench.bench_verify_api builds its store. Then, in alternating
rounds of wrk on loopback, one uvicorn worker each (uvloop, httptools, no access log):

- `bare_p256`: a bare FastAPI endpoint doing one P-256 verification (the reference of the first scan);
- `bare_p256_body`: the same, answering the bytes of a real verdict through the service's own
  ServiceMiddleware (bench/reference_body.py): what a first scan costs besides the verdict's work;
- `sqlite_first`: `certledger serve` with every cache off (CERTLEDGER_CACHE_SIZE=0): each request checks
  the token's signature, reads the document's row of the read model with its log leaf, and reads its
  inclusion proof's nodes in one query;
- `sqlite_first_events`: the same with the read model off (CERTLEDGER_READ_MODEL=off): the events read
  through the repository, the proof node by node (the path before the read model);
- `sqlite_repeated`: the service as it runs by default (caches on);
- `postgres_first`, `postgres_repeated`: the same two on PostgreSQL (a schema of the shared server).

Targets (issue 15): first scans >= 0.8 of the bare endpoint, p99 <= 25 ms, 0 errors; PostgreSQL >= 0.8
of SQLite, repeated and first scans. Then, in process on each store (bench/first_scan_budget.py): the
token's signature check, the whole verdict as JSON, the read model's query and, on PostgreSQL, a
`SELECT 1` round trip, wall and CPU time per call. Prints the machine, the load average before and after, the figures
and the ratios; writes them as JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.bench_ledger import machine
from bench.bench_verify_api import (
    CERTLEDGER,
    PASS,
    REPO,
    UVICORN,
    Server,
    free_port,
    median_round,
    rotation_script,
    run,
    wrk,
)
from bench.figures import write_figures
from bench.gen_certificates import write

TARGET_FIRST, TARGET_P99_MS, TARGET_PG = 0.8, 25.0, 0.8
UVICORN_FLAGS = ["--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
                 "--no-server-header", "--log-level", "warning"]


@contextmanager
def postgres_env() -> Iterator[dict[str, str]]:
    """CERTLEDGER_* settings of a fresh schema on the test server (dropped afterwards)."""
    import psycopg
    from psycopg import sql

    keys = ("HOST", "PORT", "USER", "PASSWORD", "DBNAME")
    settings = {k: os.environ.get(f"CERTLEDGER_TEST_POSTGRES_{k}", "") for k in keys}
    if not all(settings[k] for k in ("HOST", "PORT", "USER", "DBNAME")):
        raise SystemExit('no PostgreSQL settings: run eval "$(bash scripts/pg-up.sh --env)" first (or --pg-n 0)')
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    connect = {"host": settings["HOST"], "port": int(settings["PORT"]), "user": settings["USER"],
               "password": settings["PASSWORD"], "dbname": settings["DBNAME"], "autocommit": True}
    with psycopg.connect(**connect) as conn:  # type: ignore[arg-type]
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield {"CERTLEDGER_STORE": "postgres", **{f"CERTLEDGER_POSTGRES_{k}": v for k, v in settings.items()},
               "CERTLEDGER_POSTGRES_SCHEMA": schema}
    finally:
        with psycopg.connect(**connect) as conn:  # type: ignore[arg-type]
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def build_store(env: dict[str, str], tmp: Path, n: int, proofs: int) -> tuple[list[str], dict[str, Any]]:
    """A store of n certificates and `proofs` signed written proofs, checkpointed; their tokens."""
    started = time.perf_counter()
    run(env, "init", "--office", "1500", "--operator", "bench")
    run(env, "keys", "init")
    t0 = time.perf_counter()
    run(env, "import", str(write(tmp / f"certs-{n}.csv", n)))
    imported = time.perf_counter() - t0
    numbers = [f"191500{i:010d}" for i in range(0, proofs * 90, 90)]
    batch = tmp / "batch.csv"
    batch.write_text("number,kind,reason\n" + "".join(f"{x},written,lost\n" for x in numbers))
    run(env, "prove-batch", str(batch), "--out-dir", str(tmp / "out"))
    run(env, "audit", "checkpoint")
    tokens = _tokens(env, numbers)  # `show` never prints a token (the QR code's secret half): read in process
    return tokens, {"certificates": n, "proofs": proofs, "import_s": round(imported, 1),
                    "import_per_s": round(n / imported), "setup_s": round(time.perf_counter() - started, 1)}


def _tokens(env: dict[str, str], numbers: list[str]) -> list[str]:
    from ledger.application import CertLedger

    if env.get("CERTLEDGER_STORE") == "postgres":
        lib = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "CREATE_TABLE": "n",
               **{f"POSTGRES_{k}": env[f"CERTLEDGER_POSTGRES_{k}"] for k in ("HOST", "PORT", "USER", "PASSWORD",
                                                                             "DBNAME", "SCHEMA")}}
    else:
        lib = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "CREATE_TABLE": "n",
               "SQLITE_DBNAME": str(Path(env["CERTLEDGER_HOME"]) / "ledger.sqlite")}
    ledger = CertLedger(env=lib)
    try:
        return [ledger.document_by_reference(f"SM-{x}-01").signatures[-1].token for x in numbers]
    finally:
        ledger.close()


def serve(env: dict[str, str], tmp: Path, name: str, workers: str = "1", **extra: str) -> tuple[Server, str]:
    port = free_port()
    server = Server([str(CERTLEDGER), "serve", "--port", str(port), "--workers", workers], {**env, **extra},
                    f"http://127.0.0.1:{port}/healthz", tmp / f"{name}.log")
    return server, f"http://127.0.0.1:{port}"


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000, help="certificates in the SQLite store")
    parser.add_argument("--pg-n", type=int, default=100_000, help="certificates in the PostgreSQL store (0: none)")
    parser.add_argument("--proofs", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        subprocess.run(["bash", str(REPO / "scripts" / "setup-system.sh"), "bench"], check=True)
    figures: dict[str, Any] = {"machine": machine(), "args": vars(args), "load_before_setup": load(),
                               "uvicorn": "1 worker, uvloop, httptools, no access log"}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False), "load", figures["load_before_setup"])
    with tempfile.TemporaryDirectory(prefix="certledger-first-scan-") as tmp_name, contextlib_pg(args) as pg:
        tmp = Path(tmp_name)
        base = {**{k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")}, **PASS}
        sqlite_env = {**base, "CERTLEDGER_HOME": str(tmp / "sqlite-home")}
        (tmp / "sq").mkdir()
        tokens, figures["sqlite_store"] = build_store(sqlite_env, tmp / "sq", args.n, args.proofs)
        print("sqlite store:", figures["sqlite_store"])
        pg_env: dict[str, str] | None = None
        if pg is not None:
            pg_env = {**base, "CERTLEDGER_HOME": str(tmp / "pg-home"), **pg}
            (tmp / "pg").mkdir()
            pg_tokens, figures["postgres_store"] = build_store(pg_env, tmp / "pg", args.pg_n, args.proofs)
            print("postgres store:", figures["postgres_store"])
        figures["results"] = measure(args, tmp, sqlite_env, tokens, pg_env, pg_tokens if pg_env else [])
        figures["in_process"] = {"sqlite": budget(sqlite_env, tokens, tmp)}
        if pg_env is not None:
            figures["in_process"]["postgres"] = budget(pg_env, pg_tokens, tmp)
    figures["load_after"] = load()
    report(figures)


@contextmanager
def contextlib_pg(args: argparse.Namespace) -> Iterator[dict[str, str] | None]:
    if args.pg_n <= 0:
        yield None
        return
    with postgres_env() as env:
        yield env


def measure(args: argparse.Namespace, tmp: Path, sqlite_env: dict[str, str], tokens: list[str],
            pg_env: dict[str, str] | None, pg_tokens: list[str]) -> dict[str, Any]:
    first = {"CERTLEDGER_CACHE_SIZE": "0", "CERTLEDGER_VERIFY_RECORDS": "off"}
    service_script = rotation_script(tmp / "service.lua", "/api/v1/verify/", tokens)
    scripts = {"sqlite": service_script, "bare": rotation_script(tmp / "bare.lua", "/bare/", tokens)}
    port_bare = free_port()
    servers: dict[str, tuple[Server, str, Path]] = {}
    bare = Server([str(UVICORN), "bench.bench_verify_api:bare_app", "--port", str(port_bare), *UVICORN_FLAGS],
                  sqlite_env, f"http://127.0.0.1:{port_bare}/bare/x", tmp / "bare.log")
    servers["bare_p256"] = (bare, f"http://127.0.0.1:{port_bare}", scripts["bare"])
    for name, extra in (("sqlite_first", first), ("sqlite_first_events", {**first, "CERTLEDGER_READ_MODEL": "off"}),
                        ("sqlite_repeated", {})):
        server, url = serve(sqlite_env, tmp, name, **extra)
        servers[name] = (server, url, service_script)
        if name == "sqlite_first":
            servers["bare_p256_body"] = bare_with_body(tmp, sqlite_env, url, tokens[0], scripts["bare"])
    if pg_env is not None:
        pg_script = rotation_script(tmp / "pg.lua", "/api/v1/verify/", pg_tokens)
        for name, extra in (("postgres_first", first), ("postgres_repeated", {})):
            server, url = serve(pg_env, tmp, name, **extra)
            servers[name] = (server, url, pg_script)
        server, url = serve(pg_env, tmp, "postgres_first_2_workers", workers="2", **first)  # target: >= 1.6 of one
        servers["postgres_first_2_workers"] = (server, url, pg_script)
    try:
        check_answers(servers)
        for _, url, script in servers.values():
            wrk(url, script, 3, args.connections)  # warm-up
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
        for _ in range(args.rounds):
            for name, (_, url, script) in servers.items():
                rounds[name].append({**wrk(url, script, args.seconds, args.connections), "load": load()})
    finally:
        for server, _, _ in servers.values():
            server.stop()
    return {name: {**median_round(r), "loads": [x["load"][0] for x in r]} for name, r in rounds.items()}


def bare_with_body(tmp: Path, env: dict[str, str], service: str, token: str,
                   script: Path) -> tuple[Server, str, Path]:
    """bench.reference_body's endpoint answering the bytes of the service's own verdict on `token`."""
    import urllib.request

    body = tmp / "verdict.json"
    with urllib.request.urlopen(f"{service}/api/v1/verify/{token}") as r:
        body.write_bytes(r.read())
    port = free_port()
    server = Server([str(UVICORN), "bench.reference_body:body_app", "--port", str(port), *UVICORN_FLAGS],
                    {**env, "CERTLEDGER_BENCH_BODY": str(body)}, f"http://127.0.0.1:{port}/bare/x",
                    tmp / "bare-body.log")
    return server, f"http://127.0.0.1:{port}", script


def budget(env: dict[str, str], tokens: list[str], tmp: Path) -> dict[str, Any]:
    """bench.first_scan_budget on this store, in a process of its own with the store's settings."""
    listed = tmp / f"tokens-{uuid.uuid4().hex[:8]}.json"
    listed.write_text(json.dumps(tokens))
    proc = subprocess.run([sys.executable, "-m", "bench.first_scan_budget", str(listed)], env=env, cwd=REPO,
                          capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout))


def check_answers(servers: dict[str, tuple[Server, str, Path]]) -> None:
    """Every service answers its first token genuine and current, with an inclusion proof."""
    import urllib.request

    for name, (_, url, script) in servers.items():
        if name.startswith("bare_p256"):
            continue
        token = script.read_text().split('"')[1].rsplit("/", 1)[-1]
        with urllib.request.urlopen(f"{url}/api/v1/verify/{token}") as r:
            answer = json.loads(r.read())
        assert answer["outcome"] == "current" and answer["log"]["state"] == "included", (name, answer)


def report(figures: dict[str, Any]) -> None:
    r = figures["results"]
    ratios: dict[str, float] = {}
    bare = r["bare_p256"]["rps"]
    for name in r:
        if name != "bare_p256":
            ratios[f"{name}/bare"] = round(r[name]["rps"] / bare, 2)
    if "postgres_first" in r:
        ratios["postgres_first/sqlite_first"] = round(r["postgres_first"]["rps"] / r["sqlite_first"]["rps"], 2)
        ratios["postgres_repeated/sqlite_repeated"] = round(r["postgres_repeated"]["rps"] /
                                                            r["sqlite_repeated"]["rps"], 2)
        ratios["postgres_first_2_workers/postgres_first"] = round(r["postgres_first_2_workers"]["rps"] /
                                                                  r["postgres_first"]["rps"], 2)
    ratios["sqlite_first/bare_p256_body"] = round(r["sqlite_first"]["rps"] / r["bare_p256_body"]["rps"], 2)
    ratios["sqlite_first/sqlite_first_events"] = round(r["sqlite_first"]["rps"] / r["sqlite_first_events"]["rps"], 2)
    figures["ratios"] = ratios
    first = r["sqlite_first"]
    figures["first_scan_target_met"] = (ratios["sqlite_first/bare"] >= TARGET_FIRST and first["p99_ms"] <= TARGET_P99_MS
                                        and first["errors"] == 0)
    for name, x in r.items():
        print(f"{name}: {x['rps']:,} requests/s (rounds {x['rounds_rps']}, load {x['loads']}), p50 {x['p50_ms']:.2f} "
              f"ms, p99 {x['p99_ms']:.2f} ms, errors {x['errors']}")
    for store, stages in figures["in_process"].items():
        print(f"in process, {store}:", json.dumps(stages))
    print("ratios:", json.dumps(ratios), "| first-scan target (>= 0.8 of bare, p99 <= 25 ms, 0 errors):",
          "MET" if figures["first_scan_target_met"] else "MISSED", "| load after", figures["load_after"])
    target = write_figures("first-scan", figures)
    print(f"figures written to {target}")


if __name__ == "__main__":
    main()
