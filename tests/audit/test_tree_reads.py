"""Inclusion proofs from stored subtree hashes read in one go (ledger.tree_reads) are the log's own."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.translog import MemoryLogStore, TransparencyLog, _append
from ledger.tree_reads import TreeAtSize, perfect_parts


def a_log(n: int) -> TransparencyLog:
    log = TransparencyLog(MemoryLogStore())
    _append(log.store, [(i + 1, f"00000000-0000-0000-0000-{i:012d}", 1, "t", str(i).encode()) for i in range(n)])
    return log


def test_every_proof_and_root_equals_the_logs_with_one_read_each() -> None:
    log = a_log(70)
    reads: list[int] = []

    def fetch(wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        reads.append(len(wanted))
        return {(lv, i): log.store.node(lv, i) for lv, i in wanted}

    for size in (1, 2, 3, 5, 8, 13, 31, 32, 33, 64, 70):
        tree = TreeAtSize(size, fetch)
        assert tree.root == log.root(size)
        reads.clear()
        for position in range(size):
            assert tree.inclusion_proof(position) == log.inclusion_proof(position, size), (size, position)
        assert len(reads) <= size  # at most one read a proof, none once its nodes are known
        known = {(lv, i): log.store.node(lv, i) for lv in range(7) for i in range(70 >> lv) if (i + 1) << lv <= size}
        reads.clear()
        for position in range(size):
            assert tree.inclusion_proof(position, known) == log.inclusion_proof(position, size)
        assert reads == []


def test_a_range_is_split_as_the_log_hashes_it() -> None:
    assert perfect_parts(0, 8) == [(3, 0)]
    assert perfect_parts(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert perfect_parts(4, 6) == [(1, 2)]


def test_the_upper_levels_are_read_once_and_a_proof_reads_only_the_levels_below(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import ledger.tree_reads as tree_reads

    log = a_log(300)
    fetched: list[tuple[int, int]] = []

    def fetch(wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        fetched.extend(wanted)
        return {(lv, i): log.store.node(lv, i) for lv, i in wanted}

    def upper(level: int, size: int) -> dict[tuple[int, int], bytes]:
        return {(lv, i): log.store.node(lv, i) for lv in range(level, 10) for i in range(size >> lv)}

    monkeypatch.setattr(tree_reads, "UPPER_BITS", 5)  # a tree of 300 leaves keeps levels 4 and up
    for size in (17, 31, 32, 33, 255, 256, 257, 300):
        tree = TreeAtSize(size, fetch, upper)
        assert tree.upper == max(1, (size - 1).bit_length() - 5) and tree.root == log.root(size)
        fetched.clear()
        for position in range(size):
            assert tree.inclusion_proof(position) == log.inclusion_proof(position, size), (size, position)
        assert fetched and all(level < tree.upper for level, _ in fetched), size


def test_the_upper_level_keeps_a_few_thousand_hashes_whatever_the_size() -> None:
    from ledger.tree_reads import upper_level

    assert [upper_level(n) for n in (2, 4096, 4097, 1_000_000, 10_000_000)] == [1, 1, 1, 8, 12]
    for n in (4097, 1_000_000, 10_000_000, 2**40 + 5):
        assert sum(n >> lv for lv in range(upper_level(n), n.bit_length())) <= 2 ** 13
