"""Code the concurrency tests run in separate OS processes (multiprocessing, 'spawn').

Each racer opens its own CertLedger on the shared store, gets ready, meets the other at
a barrier, then writes. It reports one line to the parent: ("saved", detail), or the
name of the ledger error it got, or ("crashed", traceback) for anything else.

Opening is serialised by a lock: two PostgreSQL instances opening at once can fail in
the library's CREATE OR REPLACE FUNCTION ("tuple concurrently updated"), a startup
problem that is not the write race under test here.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Lock
from typing import Any

from ledger.application import Actor, CertLedger
from ledger.domain import Replacement
from ledger.errors import LedgerError

BARRIER_TIMEOUT = 60.0


def _race(env: Mapping[str, str], opening: Lock, barrier: Barrier, results: Queue[tuple[str, str]],
          prepare: Callable[[CertLedger], Callable[[], str]]) -> None:
    try:
        with opening:
            app = CertLedger(env=dict(env))
    except BaseException:
        barrier.abort()  # the other racer must not wait for us
        results.put(("crashed", traceback.format_exc()))
        return
    try:
        try:
            write = prepare(app)
        except BaseException:
            barrier.abort()
            raise
        barrier.wait(BARRIER_TIMEOUT)
        try:
            results.put(("saved", write()))
        except LedgerError as e:
            results.put((type(e).__name__, str(e)))
    except BaseException:
        results.put(("crashed", traceback.format_exc()))
    finally:
        app.close()


def reissue_racer(env: Mapping[str, str], number: str, office: str, opening: Lock, barrier: Barrier,
                  results: Queue[tuple[str, str]]) -> None:
    """Load the current edition and build its successor BEFORE the barrier, save after it:
    both racers hold the same edition 1 when they write, a true lost-update race."""

    def prepare(app: CertLedger) -> Callable[[], str]:
        actor = Actor(f"racer-{office}", office)
        old = app._current(number)
        new = old.replace(Replacement.LOST, app.catalog(), actor.operator, actor.office, app.now())

        def write() -> str:
            app._save(old, new)
            return f"edition {new.edition}"

        return write

    _race(env, opening, barrier, results, prepare)


def issue_racer(env: Mapping[str, str], fields: Mapping[str, Any], office: str, opening: Lock, barrier: Barrier,
                results: Queue[tuple[str, str]]) -> None:
    """Issue the same certificate number as the other racer, right after the barrier."""

    def prepare(app: CertLedger) -> Callable[[], str]:
        actor = Actor(f"racer-{fields['holder_name']}", office)
        return lambda: app.issue(actor, fields).data.holder_name

    _race(env, opening, barrier, results, prepare)
