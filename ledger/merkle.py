"""RFC 6962 (RFC 9162 section 2.1) Merkle tree hashing and proofs.

Leaves and nodes are domain-separated (0x00 / 0x01 prefixes). Proofs are computed from a
`hash_range(start, end)` accessor, so the caller decides where subtree hashes come from
(stored perfect subtrees, or recomputation).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HashRange = Callable[[int, int], bytes]
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_path(index: int, start: int, end: int, hash_range: HashRange) -> list[bytes]:
    """PATH(m, D[start:end]) of RFC 6962 2.1.1, for the leaf at absolute position `index`."""
    path: list[bytes] = []
    while end - start > 1:
        k = split(end - start)
        if index - start < k:
            path.append(hash_range(start + k, end))
            end = start + k
        else:
            path.append(hash_range(start, start + k))
            start = start + k
    path.reverse()  # the RFC lists the siblings from the leaf upwards
    return path


def consistency_path(m: int, n: int, hash_range: HashRange) -> list[bytes]:
    """PROOF(m, D[0:n]) of RFC 6962 2.1.2: that the first m leaves are a prefix of the n."""
    if not 0 < m <= n:
        raise ValueError("a consistency proof needs 0 < m <= n")
    proof: list[bytes] = []
    start, end, rel, complete = 0, n, m, True  # rel: m within the current subtree [start, end)
    while rel != end - start:
        k = split(end - start)
        if rel <= k:
            proof.append(hash_range(start + k, end))
            end = start + k
        else:
            proof.append(hash_range(start, start + k))
            start, rel, complete = start + k, rel - k, False
    if not complete:
        proof.append(hash_range(start, end))
    proof.reverse()
    return proof


class Frontier:
    """The right edge of a growing tree: O(log n) perfect-subtree roots, O(1) amortised per leaf.

    Appending returns the perfect subtrees the leaf completed, so a store can keep them.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), levels strictly decreasing

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; returns the (level, index, hash) of each subtree of level >= 1 it completed."""
        stack = self._stack
        position = self.size
        self.size = position + 1
        if not position & 1:  # an even position completes nothing: half of all appends
            stack.append((0, leaf))
            return []
        completed = []
        level, h = 0, leaf
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            h = node_hash(left, h)
            level += 1
            completed.append((level, position >> level, h))
        stack.append((level, h))
        return completed

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h

    @classmethod
    def from_nodes(cls, size: int, perfect: Callable[[int, int], bytes]) -> Frontier:
        """Rebuild from stored perfect subtrees: `perfect(level, index)`."""
        return cls.of(size, [(level, perfect(level, index)) for level, index in cls.parts(size)])

    @staticmethod
    def parts(size: int) -> list[tuple[int, int]]:
        """The (level, index) of the stored perfect subtrees that make the right edge at `size`."""
        out, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size & (1 << level):
                out.append((level, start >> level))
                start += 1 << level
        return out

    def copy(self) -> Frontier:
        return Frontier.of(self.size, self._stack)

    @classmethod
    def of(cls, size: int, edge: Sequence[tuple[int, bytes]]) -> Frontier:
        """The frontier at `size` from its edge's (level, hash), highest level first."""
        f = cls()
        f.size = size
        f._stack = list(edge)
        return f
