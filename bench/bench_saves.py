"""Signed saves: their cost on issuing and on bulk import beside the same without signatures, and the
audit's time with every save's signature and authority checked. One run, the log on, SQLite (and
PostgreSQL for the import with --postgres).

    .venv/bin/python -m bench.bench_saves                                  # 1,000,000 imported, 100,000 saves
    .venv/bin/python -m bench.bench_saves --count 100000 --saves 10000     # a quicker run
    .venv/bin/python -m bench.bench_saves --dir /dev/shm/saves             # keep the audited stores ...
    .venv/bin/python -m bench.bench_saves --dir /dev/shm/saves --audit-only  # ... and audit them again
    eval "$(bash scripts/pg-up.sh --env)"; .venv/bin/python -m bench.bench_saves --postgres

1. Single issues (`CertLedger.issue`, one save each) signed and unsigned, in alternating rounds.
2. `import_many` of the same validated file into fresh stores signed and unsigned, alternating.
3. `audit` with the save checks over the signed import store (`--count` events), and over a store of
   `--saves` single-command saves (`issue` in process, one signed save each, on tmpfs where there is one),
   each beside the same audit without the save checks, `--rounds` runs each: wall and CPU seconds and
   the load average (the machine is shared: the CPU seconds carry over, the wall seconds need a quiet one).
Prints the machine and the figures; writes them as JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench.bench_import import postgres_schema
from bench.bench_ledger import _rows, machine
from bench.figures import write_figures
from bench.gen_certificates import write
from formats.import_file import read_rows
from keys.credentials import CredentialStore, SaveVerifier
from keys.store import KeyStore
from ledger.app_credentials import Enrolment
from ledger.application import Actor, CertLedger
from ledger.importer import validate_rows
from ledger.values import CertificateData

PROVINCE = Actor("bench", "1500")


class Office:
    """The provincial office 1500: a root, its key and the operator's credential, made once per run."""

    def __init__(self, directory: Path) -> None:
        if (directory / "keys").is_dir():  # a kept run's: reuse it, so its stores audit clean
            self._load(directory)
            return
        now = datetime.now(UTC).replace(microsecond=0)
        keys = KeyStore(directory / "keys")
        keys.init_root("bench-root-passphrase", "bench root", now=now - timedelta(days=1))
        self.key = keys.generate_office_key("1500", "bench", "bench-root-passphrase", "bench-key-passphrase",
                                            not_before=now - timedelta(hours=2), not_after=now + timedelta(days=30))
        creds = CredentialStore(directory / "credentials")
        held = creds.issue(keys.load_signer(self.key.kid, "bench-key-passphrase"), "bench", "bench-operator-passphrase",
                           now=now - timedelta(hours=1))
        self.credential = creds.load(held, "bench-operator-passphrase")
        self.verifier = SaveVerifier(keys.root_certificate_pem())

    def _load(self, directory: Path) -> None:
        keys = KeyStore(directory / "keys")
        self.key = keys.office_key(keys.list_kids()[0])
        creds = CredentialStore(directory / "credentials")
        self.credential = creds.load(creds.held()[0], "bench-operator-passphrase")
        self.verifier = SaveVerifier(keys.root_certificate_pem())

    def ledger(self, env: dict[str, str], signed: bool) -> CertLedger:
        app = CertLedger(env=env, transparency_log=True)
        if signed:
            app.sign_with(self.credential)
            h, k = self.credential.held, self.key
            app.register_office(PROVINCE, k.kid, k.algorithm, k.public_key_pem, k.certificate_pem, k.not_before,
                                k.not_after, Enrolment(h.credential, h.operator, h.office, h.certificate_pem,
                                                       h.issuer_kid, h.not_before, h.not_after))
        app.ensure_default_catalog(PROVINCE)
        return app


def provincial_rows(n: int, start: int) -> list[dict[str, str]]:
    """Generated certificates, numbered as the provincial office's own (it issues them one at a time)."""
    rows = list(_rows(n, start=start))
    for row in rows:
        row["number"] = row["number"][:2] + "1500" + row["number"][6:]
    return rows


def _issue_all(app: CertLedger, rows: list[dict[str, str]]) -> None:
    for row in rows:
        app.issue(PROVINCE, row)


def timed(what: Callable[[], object]) -> float:
    started = time.perf_counter()
    what()
    return time.perf_counter() - started


def issue_rates(office: Office, tmp: Path, n: int, rounds: int) -> dict[bool, float]:
    rates: dict[bool, list[float]] = {True: [], False: []}
    for r in range(rounds):
        for signed in ((True, False) if r % 2 == 0 else (False, True)):
            app = office.ledger({"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                 "SQLITE_DBNAME": str(tmp / f"issue-{r}-{signed}.sqlite")}, signed)
            rows = provincial_rows(n, 20_000_000 + r * n)
            rates[signed].append(n / timed(partial(_issue_all, app, rows)))
            app.close()
    return {k: sorted(v)[len(v) // 2] for k, v in rates.items()}


def import_rates(office: Office, envs: Callable[[str], Any], datas: list[CertificateData],
                 rounds: int) -> dict[bool, float]:
    rates: dict[bool, list[float]] = {True: [], False: []}
    for r in range(rounds):
        for signed in ((True, False) if r % 2 == 0 else (False, True)):
            with envs(f"imp-{r}-{signed}") as env:
                app = office.ledger(env, signed)
                gc.collect()
                rates[signed].append(len(datas) / timed(partial(app.import_many, PROVINCE, datas, "b.csv")))
                app.close()
    return {k: sorted(v)[len(v) // 2] for k, v in rates.items()}


def audit_seconds(office: Office, app: CertLedger, rounds: int) -> dict[str, Any]:
    """`rounds` alternating runs of the audit with and without the save checks: wall and CPU seconds (this
    process and its children: the save audit's process and its signature workers), the load average."""
    def run(checks: bool) -> dict[str, float]:
        before, started = os.times(), time.perf_counter()
        report = app.audit(lambda *a: True, credentials=office.verifier if checks else None)
        seconds, after = time.perf_counter() - started, os.times()
        assert report.ok, report.summary()
        cpu = after.user + after.system + after.children_user + after.children_system - sum(
            (before.user, before.system, before.children_user, before.children_system))
        return {"wall": round(seconds, 2), "cpu": round(cpu, 2), "load": round(os.getloadavg()[0], 1)}

    runs: dict[str, list[dict[str, float]]] = {"with_save_checks": [], "log_only": []}
    for r in range(rounds):
        for checks in ((True, False) if r % 2 == 0 else (False, True)):
            runs["with_save_checks" if checks else "log_only"].append(run(checks))
    return runs


def _described(runs: dict[str, Any]) -> str:
    def one(r: dict[str, float]) -> str:
        return f"{r['wall']} s ({r['cpu']} s CPU, load {r['load']})"

    return (f"with the save checks {', '.join(one(r) for r in runs['with_save_checks'])}; "
            f"the log alone {', '.join(one(r) for r in runs['log_only'])}")


def _store_dir(given: Path | None) -> Path:
    """Where the audited stores are built: tmpfs where there is one (a commit then costs no fsync)."""
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        return given
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="certledger-bench-saves-", dir=shm if shm.is_dir() else None))


def build_saves(app: CertLedger, n: int) -> float:
    """`n` single-command saves through the application (one `issue` each, signed), in process."""
    rows = provincial_rows(n, 30_000_000)
    gc.collect()
    gc.freeze()  # the rows and the application stay: the collector need not walk them on every issue
    started = time.perf_counter()
    for i, row in enumerate(rows):
        app.issue(PROVINCE, row)
        if i % 20_000 == 19_999:
            print(f"  {i + 1:,} saves made, {time.perf_counter() - started:.0f} s", flush=True)
    gc.unfreeze()
    return time.perf_counter() - started


class _Sqlite:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp

    def __call__(self, name: str) -> Any:
        from contextlib import nullcontext

        return nullcontext({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(self.tmp / name)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="certificates imported (audited store)")
    parser.add_argument("--saves", type=int, default=100_000, help="single-command saves (second audited store)")
    parser.add_argument("--issues", type=int, default=1000, help="single issues per round, signed and not")
    parser.add_argument("--import-count", type=int, default=200_000, help="certificates per import round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="also the import rounds on PostgreSQL")
    parser.add_argument("--dir", type=Path, help="build (or, kept from before, reuse) the audited stores here")
    parser.add_argument("--audit-only", action="store_true", help="only the audits (of the stores in --dir)")
    args = parser.parse_args()
    figures: dict[str, Any] = {"machine": machine(), "load_average": os.getloadavg(), "args": vars(args) | {
        "dir": str(args.dir)}}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False), f"load {os.getloadavg()[0]:.1f}")
    stores = _store_dir(args.dir)
    with tempfile.TemporaryDirectory(prefix="certledger-bench-saves-") as tmp_name:
        office = Office(stores / "pki")
        if not args.audit_only:
            _rates(office, Path(tmp_name), args, figures)
        _audits(office, stores, args, figures)
    target = write_figures("saves", figures)
    print(f"figures written to {target}" + ("" if args.dir else f"; stores left in {stores} (pass --dir to keep "
                                                                 "them on purpose)"))


def _rates(office: Office, tmp: Path, args: Any, figures: dict[str, Any]) -> None:
    issue = issue_rates(office, tmp, args.issues, args.rounds)
    figures["issue_per_s"] = {"signed": round(issue[True]), "unsigned": round(issue[False]),
                              "ratio": round(issue[True] / issue[False], 2)}
    print(f"single issues: {issue[True]:,.0f}/s signed, {issue[False]:,.0f}/s unsigned "
          f"({issue[True] / issue[False]:.2f})")
    gc.disable()  # as `certledger import` does
    n_imp = min(args.import_count, args.count)
    path = write(tmp / "imp.csv", n_imp)
    datas = list(validate_rows(read_rows(path), path.name))
    kinds: dict[str, Any] = {"sqlite": _Sqlite(tmp)}
    if args.postgres:
        kinds["postgres"] = lambda name: postgres_schema()
    for store, envs in kinds.items():
        rate = import_rates(office, envs, datas, args.rounds)
        figures[f"import_{store}_per_s"] = {"signed": round(rate[True]), "unsigned": round(rate[False]),
                                            "ratio": round(rate[True] / rate[False], 2)}
        print(f"import_many of {n_imp:,} on {store}: {rate[True]:,.0f}/s signed, {rate[False]:,.0f}/s unsigned "
              f"({rate[True] / rate[False]:.2f}; target >= 0.9)")
    gc.enable()


def _audits(office: Office, stores: Path, args: Any, figures: dict[str, Any]) -> None:
    big_path, many_path = stores / f"import-{args.count}.sqlite", stores / f"saves-{args.saves}.sqlite"
    big_built = big_path.exists()
    big = office.ledger({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(big_path)}, True)
    if not big_built:
        gc.disable()
        path = write(stores / "big.csv", args.count, start=5_000_000)
        big.import_many(PROVINCE, list(validate_rows(read_rows(path), path.name)), "big.csv")
        path.unlink()
        gc.enable()
    figures["audit_import"] = {"events": big.count_events(), **audit_seconds(office, big, args.rounds)}
    print(f"audit over {figures['audit_import']['events']:,} events (one signed import): "
          f"{_described(figures['audit_import'])} (target <= 20 s at 1M)", flush=True)
    big.close()
    many_built = many_path.exists()
    many = office.ledger({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(many_path)}, True)
    made = None if many_built else build_saves(many, args.saves)
    figures["audit_saves"] = {"saves": args.saves, "events": many.count_events(),
                              "made_seconds": None if made is None else round(made, 1),
                              **audit_seconds(office, many, args.rounds)}
    print(f"audit over {args.saves:,} single saves ({figures['audit_saves']['events']:,} events"
          + ("" if made is None else f", made in {made:.0f} s") + f"): {_described(figures['audit_saves'])} "
          "(target <= 15 s at 100,000)", flush=True)
    many.close()


if __name__ == "__main__":
    main()
