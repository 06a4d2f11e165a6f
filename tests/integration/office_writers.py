"""Code run in separate OS processes (multiprocessing, 'spawn'): one office writing into a shared ledger.

Each writer opens its own CertLedger (the transparency log on), loads its own operator credential from
the files the parent made, signs every save with it, meets the others at a barrier, then runs its plan:
single issues and whole-file imports, in order. It reports, per step, ("saved", what) or the ledger
error's class name and message, or ("crashed", traceback) for anything else.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping, Sequence
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Lock
from pathlib import Path
from typing import Any

from tests.conftest import resident_id

Step = tuple[str, Any]  # ("issue", number) or ("import", [numbers])
OPERATOR_PASS = "operator-test-secret-1501"  # tests.conftest.SigningOffices.OPERATOR


def certificate(number: str, serial: int = 1) -> dict[str, str]:
    return {"number": number, "holder_name": "刘建国", "gender": "男", "id_number": resident_id(serial=serial % 100),
            "occupation": "电工", "level": "三级", "issue_date": "2019-06-28"}


def _run(app: Any, actor: Any, step: Step) -> tuple[str, str]:
    from ledger.errors import LedgerError
    from ledger.values import parse_certificate

    kind, what = step
    try:
        if kind == "issue":
            app.issue(actor, certificate(what))
            return "saved", what
        datas = [parse_certificate(certificate(n, i)) for i, n in enumerate(what)]
        app.import_many(actor, datas, f"import by {actor.office}")
        return "saved", f"{len(datas)} imported"
    except LedgerError as e:
        return type(e).__name__, str(e)


def office_writer(env: Mapping[str, str], credentials: Path, held: Any, plan: Sequence[Step], opening: Lock,
                  barrier: Barrier, results: Queue[tuple[str, Any]]) -> None:
    """Open, load the credential, wait for the others, run the plan; report (office, [(outcome, detail)…], secs)."""
    from keys.credentials import CredentialStore
    from ledger.app_base import Actor
    from ledger.application import CertLedger

    try:
        with opening:  # opening at once can race in the library's start-up (tests/integration/racers.py)
            app = CertLedger(env=dict(env), transparency_log=True)
        app.sign_with(CredentialStore(credentials, kdf_cost=14).load(held, OPERATOR_PASS))
        actor = Actor(held.operator, held.office)
    except BaseException:
        barrier.abort()
        results.put((held.office, [("crashed", traceback.format_exc())], 0.0))
        return
    try:
        barrier.wait(120)
        started = time.perf_counter()
        outcomes = [_run(app, actor, step) for step in plan]
        results.put((held.office, outcomes, time.perf_counter() - started))
    except BaseException:
        results.put((held.office, [("crashed", traceback.format_exc())], 0.0))
    finally:
        app.close()
