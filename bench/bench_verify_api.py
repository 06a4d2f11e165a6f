"""Verification service benchmark: wrk on loopback against one uvicorn worker, beside a bare endpoint.

    .venv/bin/python -m bench.bench_verify_api                  # 100,000 certificates, 300 signed proofs
    .venv/bin/python -m bench.bench_verify_api --n 20000 --seconds 10

A fresh SQLite ledger in a temporary directory gets N certificates (`certledger import`) and a
few hundred signed written proofs (`certledger prove-batch`) and a signed checkpoint of the
transparency log (`certledger audit checkpoint`), so every answer carries the document's inclusion
proof; wrk rotates through their QR tokens with a Lua script. Measured in the same run, under
the same uvicorn settings (one worker, uvloop, httptools, no access log):

- `certledger serve`: GET /api/v1/verify/{token}, the full verdict (signature, key window,
  ledger record and status, JSON body) as the service runs by default: a token whose signature
  held is not checked again (after the warm-up every one of wrk's tokens is such a token), and
  the documents stay in memory while the ledger is unchanged;
- a bare FastAPI endpoint defined here that does one P-256 signature verification per request;
- the service again with its caches off (CERTLEDGER_CACHE_SIZE=0): every request checks the
  token's signature, reads the ledger (SQLite, in the event loop) and recomputes the inclusion
  proof (O(log n) reads).

Alternating rounds; the median round of each is reported. Targets: >= 2,000 requests/s, p99 <=
25 ms, 0 errors. Prints the machine and the figures; writes them as JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI

from bench.bench_ledger import DEV_PASSPHRASES, machine
from bench.figures import write_figures
from bench.gen_certificates import write

CERTLEDGER = Path(sys.executable).parent / "certledger"
UVICORN = Path(sys.executable).parent / "uvicorn"
REPO = Path(__file__).resolve().parents[1]
PASS = DEV_PASSPHRASES  # the development passphrases init takes from the environment
TARGET_RPS, TARGET_P99_MS = 2000, 25.0

# ------------------------------------------------------------------ the bare reference endpoint
_key = ec.generate_private_key(ec.SECP256R1())
_public = _key.public_key()
_message = os.urandom(180)  # about a token's signed structure
_signature = _key.sign(_message, ec.ECDSA(hashes.SHA256()))
bare_app = FastAPI()


@bare_app.get("/bare/{token}")
async def bare(token: str) -> dict[str, bool]:
    """One P-256 verification per request, nothing else: the reference the service is compared to."""
    _public.verify(_signature, _message, ec.ECDSA(hashes.SHA256()))
    return {"ok": True}


# -------------------------------------------------------------------------------- helpers
def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(CERTLEDGER), *args], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"certledger {' '.join(args)} failed: {proc.stderr}")
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def rotation_script(path: Path, prefix: str, tokens: list[str]) -> Path:
    paths = ",".join(f'"{prefix}{t}"' for t in tokens)
    path.write_text(f"local paths = {{{paths}}}\nlocal i = 0\n"
                    "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
    return path


def wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, Any]:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m, out
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert requests and rps, out
    return {"rps": round(float(rps.group(1))), "requests": int(requests.group(1)),
            "p50_ms": ms("50"), "p90_ms": ms("90"), "p99_ms": ms("99"),
            "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)}


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    by_rps = sorted(rounds, key=lambda r: r["rps"])
    return {**by_rps[len(by_rps) // 2], "rounds_rps": [r["rps"] for r in rounds],
            "errors": sum(r["errors"] for r in rounds)}


class Server:
    """One uvicorn process, started and stopped by this script (by its own pid)."""

    def __init__(self, args: list[str], env: dict[str, str], health: str, log: Path) -> None:
        self.log = log.open("wb")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO)
        wait_healthy(health, self.proc)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# ----------------------------------------------------------------------------------- main
def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000, help="certificates in the store")
    parser.add_argument("--proofs", type=int, default=300, help="signed proofs whose tokens wrk rotates through")
    parser.add_argument("--seconds", type=int, default=15, help="each measured wrk round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if args.proofs * 90 > args.n:
        raise SystemExit("--n must be at least 90 x --proofs (every 90th generated certificate can be proved)")
    return args


def _make_store(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> tuple[list[str], dict[str, Any]]:
    """A ledger of args.n imported certificates and args.proofs signed written proofs, checkpointed: their tokens."""
    home = Path(env["CERTLEDGER_HOME"])
    started = time.perf_counter()
    run(env, "init", "--office", "1500", "--operator", "bench")  # the provincial office imports the province
    run(env, "keys", "init")
    run(env, "import", str(write(tmp / "certs.csv", args.n)))
    # Written proofs are for electricians (left the catalog): row i is city i % 18 and occupation i % 5.
    numbers = [f"191500{i:010d}" for i in range(0, args.proofs * 90, 90)]
    batch = tmp / "batch.csv"
    batch.write_text("number,kind,reason\n" + "".join(f"{n},written,lost\n" for n in numbers))
    run(env, "prove-batch", str(batch), "--out-dir", str(tmp / "out"))
    run(env, "audit", "checkpoint")  # a signed log: every answer carries its inclusion proof
    from ledger.application import CertLedger

    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "CREATE_TABLE": "n",
                             "SQLITE_DBNAME": str(home / "ledger.sqlite")})
    tokens = [ledger.document_by_reference(f"SM-{n}-01").signatures[-1].token for n in numbers]
    events = ledger.count_events()
    ledger.close()
    store = {"events": events, "documents": args.n + args.proofs,
             "sqlite_mib": round((home / "ledger.sqlite").stat().st_size / 2**20, 1),
             "setup_s": round(time.perf_counter() - started, 1)}
    print(f"store: {args.n:,} certificates and {args.proofs} signed proofs ({events:,} events, "
          f"{store['sqlite_mib']} MiB) in {store['setup_s']} s")
    return tokens, store


def _servers(tmp: Path, env: dict[str, str], tokens: list[str]) -> tuple[list[Server], dict[str, tuple[str, Path]]]:
    """The service, the same with caches off, and the bare one-verification endpoint: each one worker."""
    service_script = rotation_script(tmp / "service.lua", "/api/v1/verify/", tokens)
    bare_script = rotation_script(tmp / "bare.lua", "/bare/", tokens)
    uvicorn_flags = ["--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
                     "--no-server-header", "--log-level", "warning"]
    port_service, port_bare, port_uncached = free_port(), free_port(), free_port()
    servers = [
        Server([str(CERTLEDGER), "serve", "--port", str(port_service), "--workers", "1"], env,
               f"http://127.0.0.1:{port_service}/healthz", tmp / "service.log"),
        Server([str(UVICORN), "bench.bench_verify_api:bare_app", "--port", str(port_bare), *uvicorn_flags],
               env, f"http://127.0.0.1:{port_bare}/bare/x", tmp / "bare.log"),
        Server([str(CERTLEDGER), "serve", "--port", str(port_uncached), "--workers", "1"],
               {**env, "CERTLEDGER_CACHE_SIZE": "0", "CERTLEDGER_VERIFY_RECORDS": "off"},
               f"http://127.0.0.1:{port_uncached}/healthz", tmp / "uncached.log"),
    ]
    targets = {"service": (f"http://127.0.0.1:{port_service}", service_script),
               "bare_p256": (f"http://127.0.0.1:{port_bare}", bare_script),
               "service_cache_off": (f"http://127.0.0.1:{port_uncached}", service_script)}
    return servers, targets


def _measure(tmp: Path, env: dict[str, str], tokens: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Interleaved wrk rounds against each server after a warm-up: the median round of each."""
    servers, targets = _servers(tmp, env, tokens)
    try:
        with urllib.request.urlopen(f"{targets['service'][0]}/api/v1/verify/{tokens[0]}") as r:
            sample = json.loads(r.read())
        assert sample["outcome"] == "current" and sample["log"]["state"] == "included", sample
        for url, script in targets.values():  # warm-up: every token read once, caches filled
            wrk(url, script, 3, args.connections)
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (url, script) in targets.items():
                rounds[name].append(wrk(url, script, args.seconds, args.connections))
    finally:
        for server in servers:
            server.stop()
    return {name: median_round(r) for name, r in rounds.items()}


def _report(figures: dict[str, Any]) -> None:
    results = figures["results"]
    service, reference = results["service"], results["bare_p256"]
    met = service["rps"] >= TARGET_RPS and service["p99_ms"] <= TARGET_P99_MS and service["errors"] == 0
    figures["target"] = {"rps": TARGET_RPS, "p99_ms": TARGET_P99_MS, "met": met}
    figures["ratio_to_bare"] = round(service["rps"] / reference["rps"], 2)
    for name, label in (("service", "certledger serve, GET /api/v1/verify/{token}"),
                        ("bare_p256", "bare FastAPI endpoint, one P-256 verification"),
                        ("service_cache_off", "certledger serve, caches off (a signature check, SQLite reads each)")):
        r = results[name]
        print(f"{label}: {r['rps']:,} requests/s (rounds {r['rounds_rps']}), p50 {r['p50_ms']:.2f} ms, "
              f"p90 {r['p90_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, errors {r['errors']}")
    print(f"service / bare = {figures['ratio_to_bare']}; target >= {TARGET_RPS:,}/s, p99 <= {TARGET_P99_MS:.0f} ms, "
          f"0 errors: {'MET' if met else 'MISSED'}")


def main() -> None:
    args = _arguments()
    if shutil.which("wrk") is None:
        subprocess.run(["bash", str(REPO / "scripts" / "setup-system.sh"), "bench"], check=True)
    figures: dict[str, Any] = {"machine": machine(), "n": args.n, "proofs": args.proofs, "seconds": args.seconds,
                               "rounds": args.rounds, "connections": args.connections, "wrk_threads": 1,
                               "uvicorn": "1 worker, uvloop, httptools, no access log"}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False))
    with tempfile.TemporaryDirectory(prefix="certledger-verify-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")},
               "CERTLEDGER_HOME": str(tmp / "home"), **PASS}
        tokens, figures["store"] = _make_store(tmp, env, args)
        figures["results"] = _measure(tmp, env, tokens, args)
    _report(figures)
    target = write_figures("verify-api", figures)
    print(f"figures written to {target}")


if __name__ == "__main__":
    main()
