"""Transparency-log benchmarks: `audit verify` over a large SQLite store, beside a plain read
of the same events through the library, and the cost of keeping the log while recording.

    .venv/bin/python -m bench.bench_audit               # 1,000,000 events
    .venv/bin/python -m bench.bench_audit --n 200000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_ledger import _rows, machine
from bench.gen_certificates import write
from ledger.application import Actor, CertLedger

CERTLEDGER = Path(sys.executable).parent / "certledger"
PASS = {"CERTLEDGER_KEY_PASSPHRASE": "bench-office-key", "CERTLEDGER_ROOT_PASSPHRASE": "bench-root-key",
        "CERTLEDGER_PUBLISHER_PASSPHRASE": "bench-publisher-key",
        "CERTLEDGER_LOG_KEY_PASSPHRASE": "bench-log-key",
        "CERTLEDGER_OPERATOR_PASSPHRASE": "bench-operator-key"}


def run(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run([str(CERTLEDGER), *args], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"certledger {' '.join(args)} failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
    return time.perf_counter() - started


def _tmpfs() -> str | None:
    """/dev/shm where there is one: the figure is the log's work, not the disk's fsync."""
    return "/dev/shm" if Path("/dev/shm").is_dir() else None


def appends(db: Path, log: bool, n: int) -> float:
    """Single-command issues per second (one save, one fsync each), with or without the log."""
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)},
                     transparency_log=log)
    app.ensure_default_catalog(Actor("bench", "1500"))
    rows = list(_rows(n, start=10_000_000))
    started = time.perf_counter()
    for row in rows:
        app.issue(Actor("bench", row["number"][2:6]), row)
    return n / (time.perf_counter() - started)


def issues_beside(directory: Path, n: int, rounds: int) -> dict[str, object]:
    """Single-command issues with the log beside the same without it, in alternating blocks on two stores
    growing side by side (the machine's load drifts: each block pair is a ratio of the same moment), in CPU
    seconds of this process (on tmpfs a save waits for no disk)."""
    apps = {log: CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                 "SQLITE_DBNAME": str(directory / f"issues-{log}.sqlite")}, transparency_log=log)
            for log in (True, False)}
    for app in apps.values():
        app.ensure_default_catalog(Actor("bench", "1500"))
    rows = list(_rows(n, start=10_000_000))
    block = max(1, n // rounds)
    seconds = {True: 0.0, False: 0.0}
    ratios = []
    for r in range(rounds):
        chunk = rows[r * block:(r + 1) * block]
        took = {}
        for log in ((True, False) if r % 2 == 0 else (False, True)):
            started = time.process_time()  # CPU seconds: on tmpfs the save is all CPU, and others' load drifts
            for row in chunk:
                apps[log].issue(Actor("bench", row["number"][2:6]), row)
            took[log] = time.process_time() - started
            seconds[log] += took[log]
        ratios.append(took[False] / took[True])
    done = block * rounds
    return {"issue_with_log": round(done / seconds[True]), "issue_without_log": round(done / seconds[False]),
            "ratio": round(seconds[False] / seconds[True], 3), "block_ratios": [round(x, 3) for x in ratios],
            "load": os.getloadavg()}


def recording(tmp: Path, env_base: dict[str, str], args: argparse.Namespace, figures: dict[str, object]) -> None:
    """Recording with and without the log: single issues in process, and `certledger import`."""
    with_log = appends(tmp / "a.sqlite", True, args.appends)
    without = appends(tmp / "b.sqlite", False, args.appends)
    n_import = min(args.n, 200_000)
    data = write(tmp / "import.csv", n_import)
    import_rate = {}
    for log in (True, False):
        env = {**env_base, "CERTLEDGER_HOME": str(tmp / f"imp-{log}"),
               "CERTLEDGER_TRANSPARENCY_LOG": "true" if log else "false"}
        run(env, "init", "--office", "1500", "--operator", "bench")
        import_rate[log] = n_import / run(env, "import", str(data))
    figures["recording_per_s"] = {"issue_with_log": round(with_log), "issue_without_log": round(without),
                                  "import_with_log": round(import_rate[True]),
                                  "import_without_log": round(import_rate[False])}
    print(f"keeping the log: single issues {with_log:,.0f}/s with it, {without:,.0f}/s without; "
          f"import of {n_import:,} {import_rate[True]:,.0f}/s with it, {import_rate[False]:,.0f}/s without")


def build_big(env: dict[str, str], home: Path, tmp: Path, n: int) -> tuple[list[float], int]:
    """The audited store: `n` events imported 250,000 at a time by `certledger import`, a checkpoint after each
    part (the seconds of each). A store already in `home` (`--dir`, kept from an earlier run) is reused."""
    if (home / "ledger.sqlite").exists():
        return [], -1
    run(env, "init", "--office", "1500", "--operator", "bench")
    run(env, "keys", "init")
    per = 250_000
    made = 3  # init's catalog and the key
    part = 0
    checkpoint_seconds = []  # each: sign the note, append it to the history with a consistency proof
    while made < n:
        take = min(per, n - made)
        f = write(tmp / f"part{part}.csv", take, start=part * per)
        run(env, "import", str(f))
        checkpoint_seconds.append(run(env, "audit", "checkpoint"))
        made += take
        part += 1
        f.unlink()
    return checkpoint_seconds, part


def plain_read(db: Path) -> tuple[int, float]:
    """The reference: every stored event read through the library, 5,000 at a time (count, seconds)."""
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db), "CREATE_TABLE": "n"})
    started = time.perf_counter()
    count, start = 0, 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=5000)
        count += len(page)
        if len(page) < 5000:
            break
        start = page[-1].id + 1
    return count, time.perf_counter() - started


def audit_runs(env: dict[str, str], runs: int) -> list[dict[str, float]]:
    """`certledger audit verify` `runs` times: wall and CPU seconds (its process and workers), the load after."""
    audits = []
    for _ in range(runs):
        before = os.times()
        wall = run(env, "audit", "verify")
        after = os.times()
        audits.append({"wall": round(wall, 1), "cpu": round(after.children_user + after.children_system
                                                             - before.children_user - before.children_system, 1),
                       "load": round(os.getloadavg()[0], 1)})
    return audits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000, help="events in the audited store")
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--issues-only", action="store_true",
                        help="only single issues with and without the log, in alternating blocks (--rounds)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--dir", type=Path, help="build (or, kept from an earlier run, reuse) the audited store here")
    parser.add_argument("--audit-only", action="store_true", help="skip the recording figures")
    parser.add_argument("--audits", type=int, default=2, help="runs of `audit verify`")
    args = parser.parse_args()
    figures: dict[str, object] = {"machine": machine(), "n": args.n}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False))
    if args.issues_only:
        with tempfile.TemporaryDirectory(prefix="certledger-issues-", dir=_tmpfs()) as tmp_name:
            got = issues_beside(Path(tmp_name), args.appends, args.rounds)
        print(f"single issues (per CPU second): {got['issue_with_log']:,}/s with the log, "
              f"{got['issue_without_log']:,}/s without: {got['ratio']}"
              f" (blocks {got['block_ratios']}), load {got['load']}")
        return
    with tempfile.TemporaryDirectory(prefix="certledger-audit-bench-", dir=_tmpfs()) as tmp_name:
        tmp = Path(tmp_name)
        env_base = {**{k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")}, **PASS}
        if not args.audit_only:
            recording(tmp, env_base, args, figures)
        # 2. A large store with checkpoints, audited.
        home = args.dir if args.dir is not None else tmp / "big"
        env = {**env_base, "CERTLEDGER_HOME": str(home)}
        checkpoint_seconds, part = build_big(env, home, tmp, args.n)
        count, plain = plain_read(home / "ledger.sqlite")
        audits = audit_runs(env, args.audits)
        start_seconds = run(env, "audit", "log-key")  # the process start and a key file read: the reference
        figures["checkpoint"] = {"audit_checkpoint_seconds": [round(t, 2) for t in checkpoint_seconds],
                                 "process_start_seconds": round(start_seconds, 2)}
        print("audit checkpoint (C2SP note signed, appended to the history with a consistency proof), process start "
              f"included: {', '.join(f'{t:.2f}' for t in checkpoint_seconds)} s; a command that only reads a key "
              f"file: {start_seconds:.2f} s")
        figures["audit"] = {"events": count, "audit_verify": audits,
                            "plain_library_read_seconds": round(plain, 1),
                            "store_mib": round((home / "ledger.sqlite").stat().st_size / 2**20)}
        parts = "its checkpoints (a kept store)" if part < 0 else f"{part} checkpoints"
        print(f"audit verify over {count:,} events and {parts}: "
              + ", ".join(f"{a['wall']} s wall ({a['cpu']} s CPU, load {a['load']})" for a in audits)
              + f" (process start included); a plain read of the same events through the library: {plain:.1f} s")
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    target = out / f"audit-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    target.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    print(f"figures written to {target}")


if __name__ == "__main__":
    main()
