"""Inclusion proofs from the log's stored subtree hashes, read in one query per proof at most.

`TransparencyLog.inclusion_proof` asks its store for each hash it needs, one query each: O(log n) round
trips to the server per proof. Here the siblings a proof needs are worked out first, by index from the
leaf up; a sibling is a stored subtree or a range ending at the tree's right edge (broken into the
perfect subtrees the log stores), and everything lacking is read at once (`fetch`, e.g.
ledger.readmodel.Reader.nodes). The right-edge ranges are the same for every proof at one tree size:
`TreeAtSize` keeps their hashes, the root and the upper levels, once per signed checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ledger.merkle import EMPTY_ROOT, node_hash, split

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


def upper_level(size: int) -> int:
    """The lowest level whose stored subtrees a tree of `size` leaves keeps in memory (TreeAtSize): about 8,192
    hashes at most (256 KiB), whatever the size, so a proof reads only the levels below it."""
    return max(1, (size - 1).bit_length() - UPPER_BITS)


UPPER_BITS = 12
FetchUpper = Callable[[int, int], dict[tuple[int, int], bytes]]


class TreeAtSize:
    """One tree size's root, right-edge hashes and upper levels, and the inclusion proofs in it."""

    def __init__(self, size: int, fetch: Fetch, fetch_upper: FetchUpper | None = None) -> None:
        """`fetch_upper(level, size)`: every stored subtree hash at `level` and above that lies within `size`
        leaves, read once (ledger.readmodel.Reader.upper_nodes); without it every proof reads all its levels."""
        self.size = size
        self._fetch = fetch
        self._edge: dict[tuple[int, int], bytes] = {}  # hashes of the ranges [a, size) proofs needed, kept
        self.upper = upper_level(size) if fetch_upper is not None else size.bit_length() + 1
        self._upper: dict[tuple[int, int], bytes] = fetch_upper(self.upper, size) if fetch_upper else {}
        self.root = _hash(0, size, self._nodes(set(perfect_parts(0, size)), None))
        self.root_hex = self.root.hex()

    def _nodes(self, wanted: set[tuple[int, int]],
               known: dict[tuple[int, int], bytes] | None) -> dict[tuple[int, int], bytes]:
        """The stored subtree hashes `wanted`: from `known` (read beforehand), the upper levels, and one fetch of
        whatever they lack; LogCorrupt when the log has one of them nowhere."""
        upper = self._upper
        nodes = {k: h for k in wanted if (h := (known.get(k) if known else None) or upper.get(k)) is not None}
        if len(nodes) < len(wanted):
            nodes.update(self._fetch(sorted(wanted - nodes.keys())))
        if len(nodes) < len(wanted):
            from ledger.translog import LogCorrupt

            level, index = min(wanted - nodes.keys())
            raise LogCorrupt(f"the log has no subtree hash at level {level}, index {index}")
        return nodes

    def inclusion_proof(self, position: int, known: dict[tuple[int, int], bytes] | None = None) -> list[bytes]:
        """RFC 6962 PATH(position, D[0:size]), as TransparencyLog.inclusion_proof gives it; `known`: subtree
        hashes already read (ledger.readmodel.Reader.record_with_path), so usually no read at all.

        The usual case first: every sibling in `known`, the upper levels or the right-edge hashes kept, looked
        up level by level (a first scan's proof in 2.7 us beside 5.4 for the general walk, measured)."""
        size, upper, edge, nodes = self.size, self._upper, self._edge, known or {}
        proof: list[bytes] = []
        level = 0
        while (size - 1) >> level:
            i = position >> level
            if i & 1:
                h = nodes.get((level, i - 1)) or upper.get((level, i - 1))
            elif i < (size - 1) >> level:
                h = (nodes.get((level, i + 1)) or upper.get((level, i + 1)) if (i + 2) << level <= size
                     else edge.get(((i + 1) << level, size)))
            else:
                level += 1
                continue
            if h is None:
                return self._walk(position, known)
            proof.append(h)
            level += 1
        return proof

    def _walk(self, position: int, known: dict[tuple[int, int], bytes] | None) -> list[bytes]:
        """inclusion_proof in general: what the proof needs worked out first, everything lacking read at once.

        Walked up from the leaf: at each level the node's sibling is a stored subtree (a left one always is),
        a range ending at the tree's right edge (hashed from its stored parts once, then kept), or absent when the node
        is the level's last and has no right neighbour (RFC 6962 then moves it up unhashed)."""
        size = self.size
        steps: list[tuple[int, int]] = []  # (level, index) of a stored sibling, or (-1, start) of an edge range
        level = 0
        while (size - 1) >> level:
            i = position >> level
            if i & 1:
                steps.append((level, i - 1))
            elif i < (size - 1) >> level:
                steps.append((level, i + 1) if (i + 2) << level <= size else (-1, (i + 1) << level))
            level += 1
        edges = [(s[1], size) for s in steps if s[0] < 0 and (s[1], size) not in self._edge]
        wanted = {s for s in steps if s[0] >= 0}.union(*(perfect_parts(*r) for r in edges))
        nodes = self._nodes(wanted, known)  # one read at most, of what `known` and the upper levels lack
        for r in edges:
            self._edge[r] = _hash(r[0], r[1], nodes)
        return [nodes[s] if s[0] >= 0 else self._edge[(s[1], size)] for s in steps]
