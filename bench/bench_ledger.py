"""Ledger benchmarks: bulk import, append, replay, `certledger show` on a large store.

    .venv/bin/python -m bench.bench_ledger              # 1,000,000 certificates (several minutes)
    .venv/bin/python -m bench.bench_ledger --n 100000   # a quicker run

Everything runs on SQLite in a temporary directory. The library's own batched save of a
trivial aggregate is measured in the same run as the reference the import is compared to.
Prints the figures and the machine; writes them as JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.figures import write_figures
from bench.gen_certificates import write
from ledger.application import Actor, CertLedger

CERTLEDGER = Path(sys.executable).parent / "certledger"


# init makes the office key and the first operator's credential: development passphrases for the run
DEV_PASSPHRASES = {"CERTLEDGER_KEY_PASSPHRASE": "bench-office-key", "CERTLEDGER_ROOT_PASSPHRASE": "bench-root-key",
                   "CERTLEDGER_PUBLISHER_PASSPHRASE": "bench-publisher-key",
                   "CERTLEDGER_LOG_KEY_PASSPHRASE": "bench-log-key",
                   "CERTLEDGER_OPERATOR_PASSPHRASE": "bench-operator-key"}


def machine() -> dict[str, object]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": mem, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "eventsourcing": version("eventsourcing"),
            "platform": platform.platform(), "date": datetime.now(UTC).isoformat(timespec="seconds")}


class Trivial(Aggregate):
    @event("Created")
    def __init__(self) -> None:
        pass


class TrivialApp(Application[UUID]):
    pass


def reference_batched_save(db: Path, n: int, batch: int) -> float:
    """Events/s of the library saving trivial aggregates `batch` at a time on SQLite."""
    app = TrivialApp(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)})
    started = time.perf_counter()
    for _ in range(n // batch):
        app.save(*[Trivial() for _ in range(batch)])
    return n / (time.perf_counter() - started)


def run(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run([str(CERTLEDGER), *args], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"certledger {' '.join(args)} failed: {proc.stderr}")
    return elapsed, proc


def compile_project() -> None:
    """Byte-compile the project's packages, as an installed copy has them: with PYTHONDONTWRITEBYTECODE (set on
    these machines) every timed command would otherwise compile ~90 modules again (0.6 s)."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("cli", "config", "keys", "ledger", "signing", "formats", "verify_api", "office", "console"):
        compileall.compile_dir(root / package, quiet=1)


def quick_commands(home: Path, rounds: int) -> dict[str, object]:
    """`show`, `where` and `history` on an existing store (process start included), each round beside `python -c
    pass` and `certledger --help` in the same round; medians of the rounds, wall and CPU time. The project's modules are
    byte-compiled first (compile_project)."""
    compile_project()
    conn = sqlite3.connect(f"file:{home / 'ledger.sqlite'}?mode=ro", uri=True)
    total = conn.execute("SELECT COUNT(*) FROM verify_documents").fetchone()[0]
    numbers = [r[0].split("#")[0] for r in conn.execute(
        "SELECT reference FROM verify_documents WHERE reference NOT LIKE '%-%' AND rowid % 997 = 0 LIMIT ?",
        (rounds,))]
    conn.close()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")}, "CERTLEDGER_HOME": str(home)}
    walls: dict[str, list[float]] = {k: [] for k in ("python -c pass", "--help", "show", "where", "history")}
    cpus: dict[str, list[float]] = {k: [] for k in walls}
    for number in numbers:
        for name in walls:
            argv = ([sys.executable, "-c", "pass"] if name == "python -c pass" else
                    [str(CERTLEDGER), "--help"] if name == "--help" else [str(CERTLEDGER), name, number])
            before, started = _children_cpu(), time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            walls[name].append(time.perf_counter() - started)
            cpus[name].append(_children_cpu() - before)
    return {"documents": total, "rounds": len(numbers), "load": os.getloadavg(),
            **{k: round(statistics.median(v), 3) for k, v in walls.items()},
            **{f"{k} cpu": round(statistics.median(v), 3) for k, v in cpus.items()}, **listing_keys(home)}


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: on a shared machine the wall time carries
    everyone's load, the CPU time mostly the command's own."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def listing_keys(home: Path) -> dict[str, float]:
    """The signing keys listed (what `prove-batch` and every key change read) through the index of listed kinds
    (ledger.topic_index), beside the library's own listing by topic (a scan of the events table), in seconds."""
    from ledger.events import topics_of
    from ledger.signing_key import SigningKey

    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(home / "ledger.sqlite"),
                          "CREATE_TABLE": "n"})
    if not app.topic_index.covers(topics_of(SigningKey.Registered)):
        raise SystemExit(f"the store in {home} keeps no index of listed kinds: run certledger audit rebuild-views")
    started = time.perf_counter()
    keys = app.signing_keys()
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    scanned = app.recorder.select_notifications(start=None, limit=10**9, topics=topics_of(SigningKey.Registered))
    scan = time.perf_counter() - started
    assert len(scanned) == len(keys), (len(scanned), len(keys))
    return {"signing_keys_indexed": round(indexed, 4), "signing_keys_library_scan": round(scan, 3)}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick-commands", type=Path, metavar="HOME",
                        help="only time show, where and history on the store in HOME (beside python and --help)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=1_000_000, help="certificates to import")
    parser.add_argument("--files", type=int, default=1, help="split the import over this many files")
    parser.add_argument("--appends", type=int, default=2000, help="single-command issues to time")
    parser.add_argument("--replays", type=int, default=20000, help="certificates to rebuild from their events")
    return parser.parse_args()


def _references(tmp: Path, n: int) -> tuple[float, float, dict[str, int]]:
    """The library's batched save of a trivial aggregate, 100 per save and a tenth of the events per save."""
    ref_n = min(n, 200_000)
    ref_100 = reference_batched_save(tmp / "ref100.sqlite", ref_n, 100)
    ref_big = reference_batched_save(tmp / "refbig.sqlite", ref_n, ref_n // 10)
    print(f"library batched save, trivial aggregate: {ref_100:,.0f} events/s (100 per save), "
          f"{ref_big:,.0f} events/s ({ref_n // 10} per save)")
    return ref_100, ref_big, {"batch_100": round(ref_100), f"batch_{ref_n // 10}": round(ref_big)}


def _import(tmp: Path, env: dict[str, str], args: argparse.Namespace, ref_100: float,
            ref_big: float) -> dict[str, object]:
    """Bulk import through the installed command, process start included."""
    run("init", "--office", "1500", "--operator", "bench", env=env)
    per_file = args.n // args.files
    files = [write(tmp / f"part{i}.csv", per_file, seed=i, start=i * per_file) for i in range(args.files)]
    seconds = sum(run("import", str(f), env=env)[0] for f in files)
    rate = args.n / seconds
    print(f"bulk import: {args.n:,} certificates in {seconds:.1f} s = {rate:,.0f}/s, process start, "
          f"CSV parsing and validation included: {rate / ref_100:.2f} of the library's save 100 at a time, "
          f"{rate / ref_big:.2f} of its save {min(args.n, 200_000) // 10} at a time")
    return {"certificates": args.n, "files": args.files, "seconds": round(seconds, 1), "per_s": round(rate),
            "ratio_to_batch_100": round(rate / ref_100, 2), "ratio_to_one_big_batch": round(rate / ref_big, 2)}


def _show(env: dict[str, str], n: int) -> dict[str, float]:
    """`certledger show` on the large store, process start included."""
    numbers = [f"1915{c}{i:010d}" for i, c in ((i, f"{i % 18:02d}") for i in random.Random(7).sample(range(n), 10))]
    walls = [run("show", x, env=env)[0] for x in numbers]
    print(f"certledger show on {n:,} certificates: median {statistics.median(walls):.3f} s, "
          f"max {max(walls):.3f} s (wall, process start included)")
    return {"median": round(statistics.median(walls), 3), "max": round(max(walls), 3)}


def _appends(app: CertLedger, appends: int, n: int) -> dict[str, int]:
    """One save each: issues, then correction exchanges (two aggregates, one save)."""
    rows = list(_rows(appends, start=n))
    actors = {row["number"]: Actor("bench", row["number"][2:6]) for row in rows}  # each city issues its own
    started = time.perf_counter()
    for row in rows:
        app.issue(actors[row["number"]], row)
    append_rate = len(rows) / (time.perf_counter() - started)
    in_catalog = [row for row in rows if row["occupation"] in ("焊工", "消防设施操作员")]
    started = time.perf_counter()
    for row in in_catalog:
        app.correct(actors[row["number"]], row["number"], {"holder_name": row["holder_name"] + "改"})
    correct_rate = len(in_catalog) / (time.perf_counter() - started)
    print(f"appends: issue {append_rate:,.0f}/s, correction exchange (2 aggregates, 1 save) {correct_rate:,.0f}/s")
    return {"issue": round(append_rate), "correct_exchange": round(correct_rate)}


def _replay(app: CertLedger, n: int, replays: int) -> dict[str, int]:
    """Certificates rebuilt from their events by number; the whole log read and decoded."""
    ids = random.Random(3).sample(range(n), min(replays, n))
    started = time.perf_counter()
    for i in ids:
        app.show(f"1915{i % 18:02d}{i:010d}")
    replay_rate = len(ids) / (time.perf_counter() - started)
    started = time.perf_counter()
    count, start = 0, 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=1000)
        for note in page:
            app.mapper.to_domain_event(note)
        count += len(page)
        if len(page) < 1000:
            break
        start = page[-1].id + 1
    log_rate = count / (time.perf_counter() - started)
    print(f"replay: {replay_rate:,.0f} certificates/s rebuilt by number; whole log {count:,} events "
          f"read and decoded at {log_rate:,.0f}/s")
    return {"show_per_s": round(replay_rate), "log_events_per_s": round(log_rate), "log_events": count}


def main() -> None:
    args = _arguments()
    if args.quick_commands:
        got = quick_commands(args.quick_commands, args.rounds)
        print(f"quick commands on {got['documents']:,} documents, median wall of {got['rounds']} rounds, process "
              f"start included: " + ", ".join(f"{k} {v:.3f} s" for k, v in got.items()
                                               if isinstance(v, float)) + f"; load {got['load']}")
        return
    figures: dict[str, object] = {"machine": machine(), "n": args.n}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False))
    with tempfile.TemporaryDirectory(prefix="certledger-bench-") as tmp_name:
        tmp = Path(tmp_name)
        ref_100, ref_big, figures["reference_events_per_s"] = _references(tmp, args.n)
        home = tmp / "home"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")},
               "CERTLEDGER_HOME": str(home), **DEV_PASSPHRASES}
        figures["import"] = _import(tmp, env, args, ref_100, ref_big)
        figures["show_seconds"] = _show(env, args.n)
        app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                              "SQLITE_DBNAME": str(home / "ledger.sqlite")})
        figures["append_per_s"] = _appends(app, args.appends, args.n)
        figures["replay"] = _replay(app, args.n, args.replays)
        figures["store_mib"] = round((home / "ledger.sqlite").stat().st_size / 2**20, 1)
        print(f"store size: {figures['store_mib']} MiB")
    print(f"figures written to {write_figures('ledger', figures)}")


def _rows(n: int, start: int):  # type: ignore[no-untyped-def]
    from bench.gen_certificates import HEADER, rows

    for row in rows(n, seed=99, start=start):
        yield dict(zip(HEADER, row, strict=True))


if __name__ == "__main__":
    main()
