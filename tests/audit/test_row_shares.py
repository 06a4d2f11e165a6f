"""The audit's forked comparisons each read one share of the aggregates' rows, chosen by SQLite
(ledger.audit_rows.file_rows): together the shares hold every row once, whatever the ids end in."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from ledger.audit_rows import file_rows

ENDINGS = ["0", "7", "8", "f", "F", "a", "z", "-"]  # hex either case, and endings no UUID has


def _store(path: Path) -> list[str]:
    ids = [uuid.uuid4().hex[:-1] + end for end in ENDINGS for _ in range(3)] + [str(uuid.uuid4()) for _ in range(40)]
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB)")
    conn.executemany("INSERT INTO stored_events VALUES (?, ?, 't', ?)",
                     [(i, v, i.encode()) for i in ids for v in (1, 2)])
    conn.commit()
    conn.close()
    return ids


@pytest.mark.parametrize("n", [2, 3, 4])
def test_the_shares_hold_every_row_once_and_each_aggregate_whole(tmp_path: Path, n: int) -> None:
    path = tmp_path / "events.sqlite"
    ids = _store(path)
    shares = [list(file_rows(str(path), "stored_events", page=7, share=(n, i))) for i in range(n)]
    every = sorted(r.notification_id for share in shares for r in share)
    assert every == list(range(1, 2 * len(ids) + 1))  # each row in exactly one share
    owners = {r.originator_id: i for i, share in enumerate(shares) for r in share}
    assert all(owners[r.originator_id] == i for i, share in enumerate(shares) for r in share)  # an aggregate whole
    assert all(len(share) < len(every) for share in shares)  # shared out, not all in one
    assert [r.state for r in shares[0]] == [r.originator_id.encode() for r in shares[0]]


def test_without_a_share_every_row_is_read(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    ids = _store(path)
    assert len(list(file_rows(str(path), "stored_events", share=None))) == 2 * len(ids)
    assert len(list(file_rows(str(path), "stored_events", share=(1, 0)))) == 2 * len(ids)
