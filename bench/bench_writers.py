"""Many offices writing into one PostgreSQL ledger at once: N = 1, 2, 4 writer processes, in one run.

    eval "$(bash scripts/pg-up.sh --env)"                # the server (CERTLEDGER_TEST_POSTGRES_*)
    .venv/bin/python -m bench.bench_writers              # 300 single issues and a 5,000-row import per writer
    .venv/bin/python -m bench.bench_writers --issues 100 --imported 2000 --rounds 2

Each writer is its own OS process and its own office (1501, 1502, 1503, 1504), with its own operator
credential; every save is signed and written with its transparency-log leaves, as the command does.
Per N, in a fresh schema: all writers released by one barrier issue their certificates one save each,
then (a second barrier) each imports its own file of certificates in one transaction. A phase's rate is
what all writers stored divided by the phase's wall time (first start to last end). The reference is
N = 1 in the same run; the library's PostgreSQL recorder locks its table for every write
(`LOCK TABLE … IN EXCLUSIVE MODE`), so the writes themselves take turns and what runs side by side is
each writer's own work (building, signing, the log's hashing). After each N the audit checks the log
and every save's signature. Prints the machine and the load average; writes JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_import import postgres_schema, timed
from bench.bench_ledger import machine
from bench.figures import write_figures
from bench.gen_certificates import rows as generated_rows
from keys.credentials import CredentialStore, SaveVerifier
from keys.store import KeyStore
from ledger.app_credentials import Enrolment
from ledger.application import Actor, CertLedger

OFFICES = ("1501", "1502", "1503", "1504")
ROOT_PASS, KEY_PASS, OPERATOR_PASS = "bench-root-passphrase", "bench-key-passphrase", "bench-operator-passphrase"
FIELDS = ("number", "holder_name", "gender", "id_type", "id_number", "occupation", "level", "theory_score",
          "practical_score", "issue_date")


class Offices:
    """A root, and per office its key and one operator's credential (scrypt 2^14: made and opened quickly)."""

    def __init__(self, directory: Path) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        self.keys = KeyStore(directory / "keys", kdf_cost=14)
        self.keys.init_root(ROOT_PASS, "bench root", now=now - timedelta(days=1))
        self.credentials = CredentialStore(directory / "credentials", kdf_cost=14)
        self.verifier = SaveVerifier(self.keys.root_certificate_pem())
        self.made: dict[str, tuple[Any, Any]] = {}
        for office in OFFICES:
            key = self.keys.generate_office_key(office, f"office {office}", ROOT_PASS, KEY_PASS,
                                                not_before=now - timedelta(hours=2), not_after=now + timedelta(days=30))
            held = self.credentials.issue(self.keys.load_signer(key.kid, KEY_PASS), f"clerk-{office}", OPERATOR_PASS,
                                          now=now - timedelta(hours=1))
            self.made[office] = (key, held)

    def enrol(self, app: CertLedger, office: str) -> None:
        key, held = self.made[office]
        app.sign_with(self.credentials.load(held, OPERATOR_PASS))
        app.register_office(Actor(held.operator, office), key.kid, key.algorithm, key.public_key_pem,
                            key.certificate_pem, key.not_before, key.not_after,
                            Enrolment(held.credential, held.operator, office, held.certificate_pem, held.issuer_kid,
                                      held.not_before, held.not_after))


def certificates(office: str, n: int, start: int) -> list[dict[str, str]]:
    """Generated certificates numbered as `office`'s own (distinct per start)."""
    out = []
    for row in generated_rows(n, start=start):
        fields = dict(zip(FIELDS, row, strict=True))
        fields["number"] = fields["number"][:2] + office + fields["number"][6:]
        out.append(fields)
    return out


def writer(env: dict[str, str], credentials: Path, held: Any, issues: int, imported: int, opening: Any,
           barrier: Any, results: Any) -> None:
    """One office: open, load its credential, build its rows; then, at each barrier, a phase; report the times."""
    import time

    from ledger.values import parse_certificate

    try:
        with opening:  # opening at once can race in the library's start-up (tests/integration/racers.py)
            app = CertLedger(env=env, transparency_log=True)
        app.sign_with(CredentialStore(credentials, kdf_cost=14).load(held, OPERATOR_PASS))
        actor, office = Actor(held.operator, held.office), int(held.office)
        singles = certificates(held.office, issues, office * 100_000)
        datas = [parse_certificate(f) for f in certificates(held.office, imported, office * 100_000 + 50_000)]
        barrier.wait(120)
        t0 = time.time()
        for fields in singles:
            app.issue(actor, fields)
        t1 = time.time()
        barrier.wait(600)
        t2 = time.time()
        app.import_many(actor, datas, f"bench-{held.office}.csv")
        results.put((held.office, t0, t1, t2, time.time()))
        app.close()
    except BaseException as e:
        barrier.abort()
        results.put((held.office, repr(e), 0, 0, 0))


def run(n: int, offices: Offices, issues: int, imported: int) -> dict[str, float]:
    """Single issues/s and imported certificates/s of n writers at once, in a fresh schema; audited after."""
    with postgres_schema() as env:
        app = CertLedger(env=env, transparency_log=True)
        for office in OFFICES[:n]:
            offices.enrol(app, office)
            if office == OFFICES[0]:  # signed by the credential just enrolled
                app.ensure_default_catalog(Actor(f"clerk-{office}", office))
        ctx = multiprocessing.get_context("spawn")
        opening, barrier, results = ctx.Lock(), ctx.Barrier(n), ctx.Queue()
        procs = [ctx.Process(target=writer, args=(env, offices.credentials.directory, offices.made[o][1], issues,
                                                  imported, opening, barrier, results)) for o in OFFICES[:n]]
        for p in procs:
            p.start()
        reports = [results.get(timeout=1800) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        failed = [r for r in reports if isinstance(r[1], str)]
        if failed:
            raise SystemExit(f"a writer failed: {failed}")
        issue_wall = max(r[2] for r in reports) - min(r[1] for r in reports)
        import_wall = max(r[4] for r in reports) - min(r[3] for r in reports)
        audit_s = timed(lambda: _audited(app, offices))
        app.close()
    return {"issues_per_s": n * issues / issue_wall, "imported_per_s": n * imported / import_wall,
            "audit_s": audit_s}


def _audited(app: CertLedger, offices: Offices) -> None:
    report = app.audit(lambda *a: True, credentials=offices.verifier)
    if not report.ok:
        raise SystemExit(f"the audit failed after the writers: {report.summary()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=300, help="single issues per writer")
    parser.add_argument("--imported", type=int, default=5000, help="certificates each writer imports")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of N = 1, 2, 4 (the median is shown)")
    args = parser.parse_args()
    figures: dict[str, Any] = {"machine": machine(), "load_average_before": os.getloadavg(), "issues": args.issues,
                               "imported": args.imported, "rounds": args.rounds}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False),
          f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
    with tempfile.TemporaryDirectory(prefix="certledger-bench-writers-") as tmp:
        offices = Offices(Path(tmp))
        found: dict[int, list[dict[str, float]]] = {1: [], 2: [], 4: []}
        for _ in range(args.rounds):
            for n in found:  # interleaved: a drift in the machine's speed touches every N alike
                found[n].append(run(n, offices, args.issues, args.imported))
    figures["load_average_after"] = os.getloadavg()
    median = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in found.items()}
    figures["per_n"] = {str(n): {k: round(v, 2) for k, v in m.items()} for n, m in median.items()}
    ref = median[1]
    for n, m in median.items():
        print(f"N={n}: single issues {m['issues_per_s']:,.0f}/s ({m['issues_per_s'] / ref['issues_per_s']:.2f} of "
              f"N=1's {ref['issues_per_s']:,.0f}/s); imports {m['imported_per_s']:,.0f} certificates/s "
              f"({m['imported_per_s'] / ref['imported_per_s']:.2f} of N=1's {ref['imported_per_s']:,.0f}/s); "
              f"audit after {m['audit_s']:.1f} s, passed")
    print(f"load average after: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
    target = write_figures("writers", figures)
    print(f"figures written to {target}")


if __name__ == "__main__":
    main()
