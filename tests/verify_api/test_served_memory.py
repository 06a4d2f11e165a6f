"""A hostile upload costs the serving worker a bounded amount of memory (issue 14), measured from the workers'
own peak resident size (VmHWM, the kernel's high-water mark of each uvicorn worker process)."""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path

import pytest

from tests.signing.conftest import signed_by_a_stranger
from tests.verify_api.served import Documents, Server

pytestmark = pytest.mark.e2e
BUDGET_MB = 128


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _workers(server: Server) -> list[int]:
    assert server.process is not None
    return [p for p in _descendants(server.process.pid) if _peak_mb(p) > 0]


def _flate_bomb(megabytes: int) -> bytes:
    squeeze, zeros = zlib.compressobj(9), bytes(1024 * 1024)
    return b"".join(squeeze.compress(zeros) for _ in range(megabytes)) + squeeze.flush()


@pytest.mark.parametrize("hostile", ["a 14,400 pt page", "a 200 MB flate stream"])
def test_a_hostile_upload_stays_within_the_workers_memory_budget(served: tuple[Server, Documents],
                                                                 hostile: str) -> None:
    server, _ = served
    if hostile.startswith("a 14,400"):
        pdf = signed_by_a_stranger((14_400, 14_400))
    else:
        pdf = signed_by_a_stranger(contents=_flate_bomb(200))
    assert len(pdf) < 400 * 1024
    workers = _workers(server)
    before = {p: _peak_mb(p) for p in workers}
    started = time.monotonic()
    for _ in range(4):  # both workers, most likely
        r = server.upload(pdf)
        assert r.status == 200 and r.json()["outcome"] == "not-genuine", r.body[:300]
    seconds = time.monotonic() - started
    grown = {p: _peak_mb(p) - before[p] for p in workers if os.path.exists(f"/proc/{p}")}
    assert max(grown.values()) < BUDGET_MB, f"{hostile}: peak resident size grew by {grown} MB"
    assert seconds < 8, f"{hostile}: four checks took {seconds:.1f} s"
