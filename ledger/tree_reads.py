"""Inclusion proofs from the log's stored subtree hashes, read in one query per proof.

`TransparencyLog.inclusion_proof` asks its store for each hash it needs, one query each: O(log n) round
trips to the server per proof. Here the ranges a proof needs are worked out first (a dry run of the
same RFC 6962 recursion), each broken into the perfect subtrees the log stores, and all of those are read
at once (`fetch`, e.g. ledger.readmodel.Reader.nodes). The ranges that end at the tree's right edge are
the same for every proof at one tree size: `TreeAtSize` keeps their hashes and the root, computed once
per signed checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ledger.merkle import EMPTY_ROOT, inclusion_path, node_hash, split

Fetch = Callable[[Sequence[tuple[int, int]]], dict[tuple[int, int], bytes]]


def perfect_parts(start: int, end: int) -> list[tuple[int, int]]:
    """The stored perfect subtrees (level, index) MTH(D[start:end]) is made of, as hash_range descends."""
    n = end - start
    if n <= 0:
        return []
    if n & (n - 1) == 0 and start % n == 0:
        return [(n.bit_length() - 1, start // n)]
    k = split(n)
    return perfect_parts(start, start + k) + perfect_parts(start + k, end)


def _hash(start: int, end: int, nodes: dict[tuple[int, int], bytes]) -> bytes:
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return nodes[(n.bit_length() - 1, start // n)]
    k = split(n)
    return node_hash(_hash(start, start + k, nodes), _hash(start + k, end, nodes))


class TreeAtSize:
    """One tree size's root and right-edge hashes, and the inclusion proofs in it."""

    def __init__(self, size: int, fetch: Fetch) -> None:
        self.size = size
        self._fetch = fetch
        self._edge: dict[tuple[int, int], bytes] = {}  # hashes of ranges [a, size) that are not one stored node
        self.root = self._range_hashes([(0, size)])[(0, size)]

    def _range_hashes(self, ranges: Sequence[tuple[int, int]],
                      known: dict[tuple[int, int], bytes] | None = None) -> dict[tuple[int, int], bytes]:
        """The hashes of `ranges`: the right-edge ones from memory, the rest from `known` (read beforehand) and
        one fetch of whatever it lacks."""
        wanted = {part for r in ranges if r not in self._edge for part in perfect_parts(*r)}
        nodes = {k: known[k] for k in wanted if k in known} if known else {}
        lacking = wanted - nodes.keys()
        if lacking:
            nodes.update(self._fetch(sorted(lacking)))
        missing = wanted - nodes.keys()
        if missing:
            from ledger.translog import LogCorrupt

            level, index = min(missing)
            raise LogCorrupt(f"the log has no subtree hash at level {level}, index {index}")
        out: dict[tuple[int, int], bytes] = {}
        for r in ranges:
            if r in self._edge:
                out[r] = self._edge[r]
                continue
            out[r] = _hash(r[0], r[1], nodes)
            if r[1] == self.size and len(perfect_parts(*r)) > 1:
                self._edge[r] = out[r]
        return out

    def inclusion_proof(self, position: int, known: dict[tuple[int, int], bytes] | None = None) -> list[bytes]:
        """RFC 6962 PATH(position, D[0:size]), as TransparencyLog.inclusion_proof gives it; `known`: subtree
        hashes already read (ledger.readmodel.Reader.record_with_path), so usually no read at all."""
        ranges: list[tuple[int, int]] = []

        def note(start: int, end: int) -> bytes:
            ranges.append((start, end))
            return b""

        inclusion_path(position, 0, self.size, note)
        hashes = self._range_hashes(ranges, known)
        return [hashes[r] for r in reversed(ranges)]
