"""The transparency log's store for the in-memory event store (tests, demos): lists and dicts, the same
answers as ledger.logstore's tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

# ledger.translog re-exports these stores, so its names are imported where they are used, never at the top:
# a module-level import either way round would fail for whichever module is imported first.
if TYPE_CHECKING:
    from ledger.translog import Checkpoint, Leaf, LoggedLeaf


class MemoryLogStore:
    """For the in-memory event store (tests, demos)."""

    def __init__(self) -> None:
        self._leaves: list[tuple[int, bytes]] = []
        self._salts: list[bytes | None] = []
        self._records: list[bytes | None] = []
        self._positions: dict[tuple[str, int], int] = {}
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._checkpoints: dict[int, Checkpoint] = {}

    def size(self) -> int:
        return len(self._leaves)

    def last_notification_id(self) -> int:
        return self._leaves[-1][0] if self._leaves else 0

    def leaves(self, start: int, end: int) -> list[tuple[int, bytes]]:
        return self._leaves[start:end]

    def logged(self, start: int, end: int) -> list[LoggedLeaf]:
        return [(nid, h, salt) for (nid, h), salt in zip(self._leaves[start:end], self._salts[start:end], strict=True)]

    def leaf_record(self, position: int) -> bytes | None:
        return self._records[position] if 0 <= position < len(self._records) else None

    def node(self, level: int, index: int) -> bytes:
        return self._leaves[index][1] if level == 0 else self._nodes[(level, index)]

    def append(self, leaves: Sequence[Leaf], nodes: Sequence[tuple[int, int, bytes]]) -> None:
        self._leaves.extend((leaf[1], leaf[4]) for leaf in leaves)
        self._salts.extend(leaf[5] for leaf in leaves)
        self._records.extend(leaf[6] for leaf in leaves)
        self._positions.update({(leaf[2], leaf[3]): leaf[0] for leaf in leaves})
        self._nodes.update({(lv, i): h for lv, i, h in nodes})

    def position_of(self, originator_id: str, version: int) -> int | None:
        return self._positions.get((originator_id, version))

    def has_notification(self, notification_id: int) -> bool:
        return any(nid == notification_id for nid, _ in self._leaves)

    def checkpoints(self) -> list[Checkpoint]:
        return sorted(self._checkpoints.values(), key=lambda c: c.size)

    def latest_checkpoint(self) -> Checkpoint | None:
        return self._checkpoints[max(self._checkpoints)] if self._checkpoints else None

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._checkpoints[checkpoint.size] = checkpoint

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        yield

    def prepare(self) -> None:
        pass
