"""Many offices writing into one PostgreSQL ledger at once (issue 15, item 4).

Four OS processes, four offices, each with its own operator credential: city offices issuing one
certificate per save, another importing a file, and the provincial office importing a file of its
cities' certificates that holds two numbers the cities also issue, all released by one barrier. No
event may be lost or doubled, each contested number is recorded once, each loser is told which number
it lost on (nothing of a losing import written), and the log and every save's signature pass the audit.
"""

from __future__ import annotations

import multiprocessing
import queue
from typing import Any

import pytest

from ledger.app_base import Actor
from ledger.application import CertLedger
from ledger.documents import certificate_id
from tests.audit.test_mutations import verify
from tests.conftest import Backend, SigningOffices, on_backends

from .office_writers import Step, office_writer

CONTESTED = {"1501": "1915019999000001", "1502": "1915029999000002"}
SINGLES = 12
IMPORTED = 300


def own(office: str, start: int, count: int) -> list[str]:
    return [f"19{office}{i:010d}" for i in range(start, start + count)]


def plans() -> dict[str, list[Step]]:
    province = own("1501", 5000, IMPORTED // 2) + own("1502", 5000, IMPORTED // 2) + list(CONTESTED.values())
    return {
        "1501": [("issue", n) for n in own("1501", 1, SINGLES)] + [("issue", CONTESTED["1501"])],
        "1502": [("issue", CONTESTED["1502"])] + [("issue", n) for n in own("1502", 1, SINGLES)],
        "0701": [("import", own("0701", 1, IMPORTED))] + [("issue", n) for n in own("0701", 9000, SINGLES)],
        "1500": [("import", province)],
    }


def stored_rows(app: CertLedger) -> int:
    """The events table's rows (a losing transaction leaves a gap in the notification ids: count, not max)."""
    recorder: Any = app.recorder
    table = f'"{recorder.datastore.schema}".{recorder.events_table_name}'
    with recorder.datastore.get_connection() as conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        return int(cur.fetchone()["count"])


def run_writers(env: dict[str, str], offices: SigningOffices, held: dict[str, Any],
                plan: dict[str, list[Step]]) -> dict[str, list[tuple[str, str]]]:
    ctx = multiprocessing.get_context("spawn")
    opening, barrier, results = ctx.Lock(), ctx.Barrier(len(plan)), ctx.Queue()
    processes = [ctx.Process(target=office_writer, args=(env, offices.credentials.directory, held[office], steps,
                                                         opening, barrier, results)) for office, steps in plan.items()]
    for p in processes:
        p.start()
    try:
        reports = [results.get(timeout=300) for _ in processes]
    except queue.Empty:
        pytest.fail("an office writer did not report in time")
    finally:
        for p in processes:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    crashed = [o[1] for _, outcomes, _ in reports for o in outcomes if o[0] == "crashed"]
    assert not crashed, "a writer crashed:\n" + "\n".join(crashed)
    return {office: outcomes for office, outcomes, _ in reports}


@on_backends("postgres")
def test_four_offices_writing_at_once_lose_nothing_double_nothing_and_name_each_conflict(
        backend: Backend, offices: SigningOffices) -> None:
    app = CertLedger(env=backend.env, transparency_log=True)
    held = {}
    for office in ("1501", "1502", "0701", "1500"):
        credential = offices.credential(office, f"clerk-{office}")
        offices.enrol(app, credential)
        held[office] = credential.held
        if office == "1501":
            app.ensure_default_catalog(Actor("clerk-1501", "1501"))
    before = stored_rows(app)
    plan = plans()

    outcomes = run_writers(backend.env, offices, held, plan)

    saved_numbers: list[str] = []
    for office, steps in plan.items():
        assert len(outcomes[office]) == len(steps)
        for (kind, what), (outcome, detail) in zip(steps, outcomes[office], strict=True):
            numbers = [what] if kind == "issue" else list(what)
            if outcome == "saved":
                saved_numbers += numbers
                continue
            # Only a contested number can be lost, and the loser is told which.
            assert outcome == "AlreadyExists", (office, outcome, detail)
            lost = [n for n in CONTESTED.values() if n in numbers]
            assert lost and any(n in detail for n in lost), (office, detail)
    # Each contested number exactly once: by its city or in the province's import, never both, never neither.
    for number in CONTESTED.values():
        assert saved_numbers.count(number) == 1, (number, outcomes)
        assert [e.type for e in app.history(number)] in (["Certificate.Issued"], ["Certificate.Imported"])
    # No event lost or doubled: every saved number is there, nothing of a lost step is, one event each.
    assert len(set(saved_numbers)) == len(saved_numbers)
    every = {n for steps in plan.values() for kind, what in steps for n in ([what] if kind == "issue" else what)}
    assert {n for n in every if app._exists(certificate_id(n, 1))} == set(saved_numbers)
    assert stored_rows(app) == before + len(saved_numbers)
    # The log holds every event once, in order, and every save is signed by a credential allowed to make it.
    assert app.translog is not None and app.translog.size() == stored_rows(app)
    report = app.audit(verify, credentials=offices.verifier)
    assert report.ok, report.summary()
    app.close()
