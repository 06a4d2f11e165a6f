"""The token endpoint's throughput while one client uploads hostile PDFs as fast as its limit allows.

    .venv/bin/python -m bench.bench_hostile                       # 8 rounds of 4 s each way
    .venv/bin/python -m bench.bench_hostile --rounds 4 --seconds 10 --no-protocols

Loopback only, bounded: at most --rounds rounds of --seconds each way, at most --max-uploads hostile
uploads, and the whole run stops itself after --deadline seconds. A fresh SQLite ledger in a
temporary directory gets a few certificates and signed written proofs and a signed checkpoint; one
`certledger serve` (one worker, as it runs by default) answers both clients.

- The token client: wrk (scripts/setup-system.sh bench) rotating through the proofs' tokens on
  GET /api/v1/verify/{token}; without wrk, a small asyncio client of the same shape.
- The hostile client: two upload loops from one address (so one bucket: CERTLEDGER_PDF_PER_MINUTE,
  60 by default) sending, in turn, a 4 KB PDF with one 14,400 pt page and a signature field, and a
  ~200 KB PDF whose page holds a 200 MB flate stream, both made here; on a 429 it waits what
  Retry-After says, as a client that goes as fast as its limit allows.

Rounds interleave (without, with, with, without, ...) so drift hits both alike; the median round of
each is reported, with their ratio (target >= 0.8) and the errors (target 0: any non-2xx token answer,
socket error, or 5xx / failed upload; the hostile client's 429s are its limit, not errors). Then the
same endpoint under the three HTTP protocols uvicorn could run (stock httptools, the bounded httptools
of verify_api/protocol.py that `serve` uses, h11), interleaved likewise. Each round also gives the
server's CPU time per token request (from /proc), which a machine busy with other work disturbs less
than throughput. Prints the machine and the figures; writes them as JSON to bench/out/.

The hostile uploads are only cheap once the PDF checks are bounded (nothing rendered after a failed
check, page box and decompression capped): without that, each big-page upload renders 2.8 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.bench_ledger import machine
from bench.bench_verify_api import CERTLEDGER, PASS, UVICORN, Server, free_port, rotation_script, run, wrk
from bench.figures import write_figures
from bench.gen_certificates import write
from bench.hostile_pdfs import BOUNDARY, big_page_pdf, flate_bomb_pdf, multipart

HOST = "127.0.0.1"  # loopback only
TARGET_RATIO = 0.8


# ------------------------------------------------------------------------- the hostile client
class HostileClient:
    """Upload loops from one address, as fast as its bucket allows; stops on stop() or after max_uploads."""

    def __init__(self, port: int, bodies: list[tuple[str, bytes]], max_uploads: int, loops: int = 2) -> None:
        self.port, self.bodies, self.max_uploads, self.loops = port, bodies, max_uploads, loops
        self.statuses: dict[str, int] = {}
        self.errors, self.sent = 0, 0
        self.check_seconds: list[float] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> HostileClient:
        self._stop.clear()
        self._threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(self.loops)]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)

    def _next(self) -> tuple[str, bytes] | None:
        with self._lock:
            if self.sent >= self.max_uploads:
                return None
            self.sent += 1
            return self.bodies[self.sent % len(self.bodies)]

    def _loop(self, i: int) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        while not self._stop.is_set() and (body := self._next()) is not None:
            name, data = body
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/verify/pdf", data,
                             {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
                r = conn.getresponse()
                r.read()
            except (OSError, http.client.HTTPException):
                with self._lock:
                    self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
                continue
            with self._lock:
                key = f"{name} {r.status}"
                self.statuses[key] = self.statuses.get(key, 0) + 1
                if r.status >= 500:
                    self.errors += 1
                elif r.status != 429:
                    self.check_seconds.append(time.perf_counter() - started)
            if r.status == 429:
                self._stop.wait(float(r.getheader("Retry-After", "1")))
        conn.close()


# ------------------------------------------------------------- the token client (without wrk)
async def _token_client(port: int, paths: list[str], seconds: float, connections: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def one(k: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(HOST, port)
        i = k
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one(k) for k in range(connections)))
    took = time.perf_counter() - started
    latencies.sort()
    return {"rps": round(len(latencies) / took), "requests": len(latencies), "errors": errors,
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (less disturbed by a busy machine than throughput)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def token_round(port: int, tokens: list[str], script: Path, seconds: int, connections: int,
                pid: int | None = None) -> dict[str, Any]:
    before = cpu_seconds(pid) if pid else 0.0
    if shutil.which("wrk"):
        result = wrk(f"http://{HOST}:{port}", script, seconds, connections)
    else:
        result = asyncio.run(_token_client(port, [f"/api/v1/verify/{t}" for t in tokens], seconds, connections))
    if pid:
        result["server_cpu_us_per_request"] = round((cpu_seconds(pid) - before) / max(result["requests"], 1) * 1e6)
    return result


def median(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    by_rps = sorted(rounds, key=lambda r: r["rps"])
    cpu = [r["server_cpu_us_per_request"] for r in rounds if "server_cpu_us_per_request" in r]
    return {**by_rps[len(by_rps) // 2], "rounds_rps": [r["rps"] for r in rounds],
            "errors": sum(r["errors"] for r in rounds),
            "server_cpu_us_per_request": round(statistics.median(cpu)) if cpu else None}


def peak_rss_mib(pid: int) -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {k: round(int(fields[k].split()[0]) / 1024, 1) for k in ("VmHWM", "VmRSS") if k in fields}


# ------------------------------------------------------------------------------------- setup
def make_store(tmp: Path, env: dict[str, str], proofs: int) -> list[str]:
    from ledger.application import CertLedger

    home = Path(env["CERTLEDGER_HOME"])
    run(env, "init", "--office", "1500", "--operator", "bench")
    run(env, "keys", "init")
    run(env, "import", str(write(tmp / "certs.csv", proofs * 90)))
    numbers = [f"191500{i:010d}" for i in range(0, proofs * 90, 90)]  # every 90th row may be proved
    batch = tmp / "batch.csv"
    batch.write_text("number,kind,reason\n" + "".join(f"{n},written,lost\n" for n in numbers))
    run(env, "prove-batch", str(batch), "--out-dir", str(tmp / "out"))
    run(env, "audit", "checkpoint")
    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "CREATE_TABLE": "n",
                             "SQLITE_DBNAME": str(home / "ledger.sqlite")})
    try:
        return [ledger.document_by_reference(f"SM-{n}-01").signatures[-1].token for n in numbers]
    finally:
        ledger.close()


def hostile_phase(args: argparse.Namespace, tmp: Path, env: dict[str, str], tokens: list[str],
                  script: Path, deadline: float) -> dict[str, Any]:
    port = free_port()
    bodies = [("big-page", multipart(big_page_pdf(), "big-page.pdf")),
              ("flate-bomb", multipart(flate_bomb_pdf(), "flate-bomb.pdf"))]
    server = Server([str(CERTLEDGER), "serve", "--host", HOST, "--port", str(port), "--workers", "1"], env,
                    f"http://{HOST}:{port}/healthz", tmp / "serve.log")
    hostile = HostileClient(port, bodies, args.max_uploads)
    rounds: dict[str, list[dict[str, Any]]] = {"without": [], "with": []}
    try:
        token_round(port, tokens, script, 2, args.connections)  # warm-up: tokens checked once, caches filled
        rss_before = peak_rss_mib(server.proc.pid)["VmRSS"]
        for r in range(args.rounds):  # pairs, in turn without-with and with-without: drift hits both alike
            if time.monotonic() > deadline:
                break
            for which in ("without", "with") if r % 2 == 0 else ("with", "without"):
                if which == "with":
                    hostile.start()
                    time.sleep(0.5)
                rounds[which].append(token_round(port, tokens, script, args.seconds, args.connections,
                                                 server.proc.pid))
                if which == "with":
                    hostile.stop()
        memory = {"rss_before_mib": rss_before, **{k.lower() + "_mib": v for k, v in
                                                    peak_rss_mib(server.proc.pid).items()}}
    finally:
        hostile.stop()
        server.stop()
    without, with_ = median(rounds["without"]), median(rounds["with"])
    checks = sorted(hostile.check_seconds)
    pairs = [w["rps"] / o["rps"] for w, o in zip(rounds["with"], rounds["without"], strict=False)]
    return {"without": without, "with": with_, "ratio": round(with_["rps"] / without["rps"], 3),
            "pair_ratios": [round(p, 3) for p in pairs], "median_pair_ratio": round(statistics.median(pairs), 3),
            "hostile": {"uploads_sent": hostile.sent, "statuses": hostile.statuses, "errors": hostile.errors,
                        "check_p50_s": round(statistics.median(checks), 3) if checks else None,
                        "check_max_s": round(checks[-1], 3) if checks else None,
                        "sizes_bytes": {n: len(b) for n, b in bodies}},
            "server_memory": memory}


def protocol_phase(args: argparse.Namespace, tmp: Path, env: dict[str, str], tokens: list[str],
                   script: Path, deadline: float) -> dict[str, Any]:
    protocols = {"httptools": "httptools", "bounded-httptools": "verify_api.protocol:BoundedHttpToolsProtocol",
                 "h11": "h11"}
    servers, ports, pids = [], {}, {}
    try:
        for name, protocol in protocols.items():
            ports[name] = free_port()
            servers.append(Server([str(UVICORN), "verify_api.app:create_app_from_env", "--factory", "--host", HOST,
                                   "--port", str(ports[name]), "--workers", "1", "--loop", "uvloop", "--http", protocol,
                                   "--no-access-log", "--no-server-header", "--no-proxy-headers",
                                   "--log-level", "warning"], env, f"http://{HOST}:{ports[name]}/healthz",
                                  tmp / f"{name}.log"))
            pids[name] = servers[-1].proc.pid
        for port in ports.values():
            token_round(port, tokens, script, 2, args.connections)
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in protocols}
        for r in range(args.rounds):
            names = list(protocols) if r % 2 == 0 else list(reversed(protocols))
            for name in names:
                if time.monotonic() < deadline:
                    rounds[name].append(token_round(ports[name], tokens, script, args.seconds, args.connections,
                                                    pids[name]))
    finally:
        for server in servers:
            server.stop()
    return {name: median(r) for name, r in rounds.items() if r}


# -------------------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=8, help="rounds each way (at most 20)")
    parser.add_argument("--seconds", type=int, default=4, help="each measured round (at most 60)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--proofs", type=int, default=50, help="signed proofs whose tokens the token client rotates")
    parser.add_argument("--max-uploads", type=int, default=2000, help="hostile uploads at most")
    parser.add_argument("--deadline", type=int, default=900, help="seconds after which the run stops itself")
    parser.add_argument("--no-protocols", action="store_true", help="skip the protocol comparison")
    parser.add_argument("--only-protocols", action="store_true", help="only the protocol comparison")
    args = parser.parse_args()
    args.rounds, args.seconds = min(max(args.rounds, 1), 20), min(max(args.seconds, 1), 60)
    deadline = time.monotonic() + args.deadline
    threading.Timer(args.deadline + 120, lambda: os._exit(3)).start()  # stops itself, whatever hangs
    tool = "wrk" if shutil.which("wrk") else "asyncio client (wrk not installed: scripts/setup-system.sh bench)"
    figures: dict[str, Any] = {"machine": machine(), "token_client": tool, "rounds": args.rounds,
                               "seconds": args.seconds, "connections": args.connections,
                               "serve": "certledger serve, 1 worker (uvloop, bounded httptools)"}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False))
    print("token client:", tool)
    with tempfile.TemporaryDirectory(prefix="certledger-hostile-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")},
               "CERTLEDGER_HOME": str(tmp / "home"), **PASS}
        tokens = make_store(tmp, env, args.proofs)
        script = rotation_script(tmp / "tokens.lua", "/api/v1/verify/", tokens)
        if not args.only_protocols:
            figures["hostile"] = hostile_phase(args, tmp, env, tokens, script, deadline)
        if not args.no_protocols:
            figures["protocols"] = protocol_phase(args, tmp, env, tokens, script, deadline)
    report(figures)
    os._exit(0)  # the self-stop timer is still pending


def report(figures: dict[str, Any]) -> None:
    if "hostile" in figures:
        report_hostile(figures)
    for name, r in figures.get("protocols", {}).items():
        print(f"protocol {name}: {r['rps']:,} requests/s (rounds {r['rounds_rps']}), p99 {r['p99_ms']:.2f} ms, "
              f"server CPU {r['server_cpu_us_per_request']} us/request, errors {r['errors']}")
    target = write_figures("hostile", figures)
    print(f"figures written to {target}")
    sys.stdout.flush()


def report_hostile(figures: dict[str, Any]) -> None:
    h = figures["hostile"]
    for which in ("without", "with"):
        r = h[which]
        print(f"tokens {which} the hostile client: {r['rps']:,} requests/s (rounds {r['rounds_rps']}), "
              f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, server CPU {r['server_cpu_us_per_request']} "
              f"us/request, errors {r['errors']}")
    print(f"hostile client: {h['hostile']['uploads_sent']} uploads sent, {h['hostile']['statuses']}, "
          f"errors {h['hostile']['errors']}, check p50 {h['hostile']['check_p50_s']} s, "
          f"max {h['hostile']['check_max_s']} s; sizes {h['hostile']['sizes_bytes']}")
    print(f"server memory (MiB): {h['server_memory']}")
    errors = h["without"]["errors"] + h["with"]["errors"] + h["hostile"]["errors"]
    met = h["ratio"] >= TARGET_RATIO and errors == 0
    print(f"ratio with / without = {h['ratio']} (medians); per pair of rounds {h['pair_ratios']}, median "
          f"{h['median_pair_ratio']}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"ratio with / without = {h['ratio']}; target >= {TARGET_RATIO}, 0 errors: {'MET' if met else 'MISSED'}")
    figures["target"] = {"ratio": TARGET_RATIO, "errors": errors, "met": met}


if __name__ == "__main__":
    main()
