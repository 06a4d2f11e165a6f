"""The log's tables read and written through a save's own transaction (ledger.recorders): what a save
changes of the log, beside the stores that read it (ledger.logstore)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

# ledger.translog re-exports these stores, so its names are imported where they are used, never at the top:
# a module-level import either way round would fail for whichever module is imported first.
if TYPE_CHECKING:
    from ledger.merkle import Frontier
    from ledger.translog import Leaf


class _TxLogStore:
    """The log's tables read and written through a save's own transaction (see ledger.recorders)."""

    def __init__(self, tx: Any) -> None:
        self._tx = tx

    def frontier(self, known: tuple[int, bytes, Frontier] | None = None) -> Frontier:
        """The tree's right edge to append to, in two reads whatever the size: the last leaf (the size, and the
        edge's level-0 hash when the size is odd), then the edge's O(log n) stored subtree hashes in one query
        (a save read them one query each). A hash missing from the store fails the save. `known`: the (last
        position, last leaf hash, edge) this process left after its own last append; when the store's last leaf
        is still that one, the edge is reused and the second read saved (another writer's append, or a rolled
        back save of ours, changes the last leaf and the edge is read again)."""
        from ledger.merkle import Frontier

        row = self._tx.one("SELECT position, hash FROM log_leaves ORDER BY position DESC LIMIT 1")
        if row is None:
            return Frontier()
        last = (int(row[0]), bytes(row[1]))
        if known is not None and known[0] == last[0] and known[1] == last[1]:
            return known[2].copy()
        size = last[0] + 1
        parts = [p for p in Frontier.parts(size) if p[0] > 0]
        found = {(0, last[0]): last[1]}
        if parts:
            where = " OR ".join(["(level = ? AND idx = ?)"] * len(parts))
            rows = self._tx.all(f"SELECT level, idx, hash FROM log_nodes WHERE {where}",  # noqa: S608
                                [v for p in parts for v in p])
            found.update({(int(r[0]), int(r[1])): bytes(r[2]) for r in rows})
        edge = []
        for part in Frontier.parts(size):
            if part not in found:
                from ledger.translog import LogCorrupt

                raise LogCorrupt(f"the log has no subtree hash at level {part[0]}, index {part[1]}")
            edge.append((part[0], found[part]))
        return Frontier.of(size, edge)

    def size(self) -> int:
        row = self._tx.one("SELECT COALESCE(MAX(position) + 1, 0) FROM log_leaves")
        return int(row[0])

    def node(self, level: int, index: int) -> bytes:
        row = (self._tx.one("SELECT hash FROM log_leaves WHERE position = ?", (index,)) if level == 0
               else self._tx.one("SELECT hash FROM log_nodes WHERE level = ? AND idx = ?", (level, index)))
        if row is None:
            from ledger.translog import LogCorrupt

            raise LogCorrupt(f"the log has no subtree hash at level {level}, index {index}")
        return bytes(row[0])

    def has_notification(self, notification_id: int) -> bool:
        return self._tx.one("SELECT 1 FROM log_leaves WHERE notification_id = ?", (notification_id,)) is not None

    def append(self, leaves: Sequence[Leaf], nodes: Sequence[tuple[int, int, bytes]]) -> None:
        self._tx.executemany("INSERT INTO log_leaves (position, notification_id, originator_id, originator_version, "
                             "hash, salt, record) VALUES (?, ?, ?, ?, ?, ?, ?)", list(leaves))
        self._tx.executemany("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)", list(nodes))
