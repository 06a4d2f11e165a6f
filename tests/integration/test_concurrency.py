"""Two OS processes write the same record at the same moment; the store lets one win.

The loser must get a ledger error (Conflict for a lost update, AlreadyExists for a
duplicate issuance) with nothing of its write recorded, never a crash or a second
edition. Runs on the backends several processes can share: sqlite and postgres.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable
from typing import Any

import pytest

from ledger.application import Actor
from ledger.errors import NotFound
from tests.conftest import AppFactory, Backend, on_backends, resident_id

from .racers import BARRIER_TIMEOUT, issue_racer, reissue_racer

LIAONING = Actor("李强", "0700")
WELDER = "1807000000103353"


def welder(name: str, id_number: str, gender: str = "男") -> dict[str, Any]:
    return {"number": WELDER, "holder_name": name, "gender": gender, "id_number": id_number,
            "occupation": "焊工", "level": "四级", "issue_date": f"20{WELDER[:2]}-07-12"}


def race(target: Callable[..., None], *per_racer_args: tuple[Any, ...]) -> list[tuple[str, str]]:
    """Run one process per argument tuple, all released together by one barrier; their reports."""
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no state shared by fork
    opening, barrier, results = ctx.Lock(), ctx.Barrier(len(per_racer_args)), ctx.Queue()
    processes = [ctx.Process(target=target, args=(*args, opening, barrier, results)) for args in per_racer_args]
    for p in processes:
        p.start()
    try:
        reports = [results.get(timeout=BARRIER_TIMEOUT + 60) for _ in processes]
    except queue.Empty:
        pytest.fail("a racer did not report in time")
    finally:
        for p in processes:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    crashed = [detail for outcome, detail in reports if outcome == "crashed"]
    assert not crashed, "a racer crashed:\n" + "\n".join(crashed)
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    return reports


@on_backends("sqlite", "postgres")
def test_two_offices_reissuing_the_same_certificate_at_once_make_exactly_one_new_edition(
        backend: Backend, make_app: AppFactory) -> None:
    app = make_app()
    app.ensure_default_catalog(LIAONING)
    app.issue(LIAONING, welder("张伟", resident_id()))
    events = app.count_events()

    # Both racers hold edition 1 when they save its successor: one of the saves must lose.
    reports = race(reissue_racer, (backend.env, WELDER, "0700"), (backend.env, WELDER, "0700"))

    outcomes = sorted(outcome for outcome, _ in reports)
    assert outcomes == ["Conflict", "saved"], reports
    assert "another writer changed the same record first" in dict(reports)["Conflict"]
    # Exactly one edition 2, nothing of the loser's write: one Reissued, one Superseded.
    assert app.show(WELDER).edition == 2
    with pytest.raises(NotFound):
        app.edition(WELDER, 3)
    assert app.count_events() == events + 2
    assert [e.type for e in app.history(WELDER)] == [
        "Certificate.Issued", "Certificate.Reissued", "Certificate.Superseded"]


@on_backends("sqlite", "postgres")
def test_two_processes_issuing_the_same_number_at_once_record_exactly_one_issuance(
        backend: Backend, make_app: AppFactory) -> None:
    app = make_app()
    events = app.count_events()

    reports = race(issue_racer,
                   (backend.env, welder("张伟", resident_id(serial=21)), "0700"),
                   (backend.env, welder("陈静", resident_id(serial=22, male=False), "女"), "0700"))

    outcomes = sorted(outcome for outcome, _ in reports)
    assert outcomes == ["AlreadyExists", "saved"], reports
    assert f"certificate {WELDER} is already issued" in dict(reports)["AlreadyExists"]
    # The winner's holder is on record, alone.
    winner = dict(reports)["saved"]
    assert app.show(WELDER).data.holder_name == winner  # type: ignore[union-attr]
    assert app.count_events() == events + 1
    assert [e.type for e in app.history(WELDER)] == ["Certificate.Issued"]
