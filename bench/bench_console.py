"""Console page latency on a large store: p50/p95 of the pages a clerk opens all day, beside the login page.

    .venv/bin/python -m bench.bench_console                       # 100,000 certificates, 2,000 requests
    .venv/bin/python -m bench.bench_console --n 20000 --requests 500 --rounds 100

A fresh SQLite ledger in a temporary directory gets N certificates (`certledger import`), the first head
account (`certledger console account add`), and R service requests made through the console's own acting
path (every save signed by the head's credential). Then, in this process through FastAPI's TestClient (one
worker, no network), each page is asked ROUNDS times, interleaved:

- GET /login: a template and nothing else (the reference);
- GET /, /?page=2, /?channel=online: the work queue (requests and uncollected pickups, ordered, filtered,
  counted), read from the work list's index (ledger.work_index);
- GET /requests/{SQ}: one request beside its certificate record;
- GET /documents/{N}: a certificate's history and where it is now;
- GET /batch, GET /custody, GET /custody/uncollected: the monthly batch's page, the custody forms, and the
  list of what nobody collected (from the same index).

Each run (--runs, default 2) opens a fresh console on the one store and reports the load average beside it.

Issue 17's target is <= 100 ms p95 on a 1,000,000-certificate store. Prints the machine and the figures;
writes them as JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_ledger import machine
from bench.gen_certificates import write

CERTLEDGER = Path(sys.executable).parent / "certledger"
REPO = Path(__file__).resolve().parents[1]
PASS = {"CERTLEDGER_KEY_PASSPHRASE": "bench-office-key-1501", "CERTLEDGER_ROOT_PASSPHRASE": "bench-root-key-1501",
        "CERTLEDGER_PUBLISHER_PASSPHRASE": "bench-publisher-key-1501",
        "CERTLEDGER_LOG_KEY_PASSPHRASE": "bench-log-key-1501",
        "CERTLEDGER_OPERATOR_PASSPHRASE": "bench-operator-key-1501"}
TARGET_P95_MS = 100.0


def run(env: dict[str, str], *args: str) -> None:
    proc = subprocess.run([str(CERTLEDGER), *args], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"certledger {' '.join(args)} failed: {proc.stderr}")


def build(home: Path, n: int) -> tuple[dict[str, str], float]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")}, **PASS,
           "CERTLEDGER_HOME": str(home), "CERTLEDGER_KEY_KDF_COST": "14"}
    started = time.perf_counter()
    run(env, "init", "--office", "1500", "--operator", "局长")
    run(env, "import", str(write(home.parent / "certs.csv", n)))
    run(env, "console", "account", "add", "--username", "局长", "--role", "head")
    return env, time.perf_counter() - started


def _open(home: Path) -> tuple[Any, Any]:
    from fastapi.testclient import TestClient

    from console.app import create_app
    from console.settings import ConsoleSettings
    from console.state import Console

    settings = ConsoleSettings(home=home, key_kdf_cost=14,
                               key_passphrase=PASS["CERTLEDGER_KEY_PASSPHRASE"]).with_file()  # type: ignore[arg-type]
    console = Console.from_settings(settings)
    client = TestClient(create_app(settings, console=console), follow_redirects=False)
    client.headers["origin"] = "http://testserver"
    assert client.post("/login", data={"username": "局长", "password": PASS["CERTLEDGER_OPERATOR_PASSPHRASE"]}
                       ).status_code == 303
    return console, client


def make_requests(home: Path, n: int, requests: int) -> tuple[list[str], list[str], float]:
    """R requests through the console's acting path (each save signed, the work list kept in it)."""
    from ledger.domain import RequestKind

    console, _client = _open(home)
    session = next(iter(console.sessions._sessions.values()))
    # The provincial office's (00) own certificates: every 18th row of the file (bench/gen_certificates.py).
    numbers = [f"191500{i:010d}" for i in range(0, n, 18)][:requests]
    started = time.perf_counter()
    made = []
    with console.acting(session) as (ledger, who):
        for i, number in enumerate(numbers):
            view = ledger.apply(who, RequestKind.PROOF, number, f"测试{i}", "window" if i % 2 else "online")
            if i % 3:
                ledger.accept(who, view.number)
            made.append(view.number)
    console.close()
    return numbers, made, time.perf_counter() - started


def measure(home: Path, numbers: list[str], made: list[str], rounds: int) -> dict[str, Any]:
    """One run: a fresh console process state on the store, each page asked ROUNDS times, interleaved."""
    console, client = _open(home)
    pages = {"login (reference)": lambda i: "/login", "queue": lambda i: "/",
             "queue, page 2": lambda i: "/?page=2", "queue, online only": lambda i: "/?channel=online",
             "request": lambda i: f"/requests/{made[i % len(made)]}",
             "timeline": lambda i: f"/documents/{numbers[i % len(numbers)]}",
             "batch page": lambda i: "/batch", "custody page": lambda i: "/custody",
             "uncollected list": lambda i: "/custody/uncollected"}
    times: dict[str, list[float]] = {name: [] for name in pages}
    first = {}
    for i in range(rounds):
        for name, path in pages.items():
            t = time.perf_counter()
            r = client.get(path(i))
            times[name].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (name, r.status_code, r.text[:300])
            if i == 0:
                first[name] = round(times[name][0], 1)
    console.close()
    return {"load_average": [round(x, 2) for x in os.getloadavg()], "first_ms": first,
            "pages": {name: {"p50_ms": round(statistics.median(ts), 1),
                             "p95_ms": round(statistics.quantiles(ts, n=20)[18], 1)} for name, ts in times.items()}}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--runs", type=int, default=2, help="measurements on the one store, each a fresh console")
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-console-"))
    try:
        _, build_s = build(tmp / "home", a.n)
        numbers, made, apply_s = make_requests(tmp / "home", a.n, a.requests)
        runs = [measure(tmp / "home", numbers, made, a.rounds) for _ in range(a.runs)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = {"bench": "console", "at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
              "certificates": a.n, "build_seconds": round(build_s, 1), "requests_made": len(made),
              "apply_seconds": round(apply_s, 1), "target_p95_ms": TARGET_P95_MS, "runs": runs}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"console-{a.n}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()
