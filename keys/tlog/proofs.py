"""Checking RFC 6962 proofs (RFC 9162 2.1.3 and 2.1.4) against checkpoints.

Proofs are lists of hashes from the leaf upwards, as ledger.merkle makes them and
golang.org/x/mod/sumdb/tlog takes them. The checks walk the same recursion that defines the
proofs (RFC 6962 2.1.1 PATH and 2.1.2 SUBPROOF), taking the top sibling off the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from keys.tlog.checkpoint import HASH_SIZE, Checkpoint
from keys.tlog.errors import CheckpointInconsistent, CheckpointRollback, OriginMismatch, TlogMalformed
from ledger.merkle import EMPTY_ROOT, node_hash, split

ConsistencyProver = Callable[[int, int], Sequence[bytes]]  # (old size, new size) -> proof
MAX_PROOF = 64  # a tree of at most 2**63 leaves has no longer proof


class _Failed(Exception):
    pass


def _checked(proof: Sequence[bytes]) -> list[bytes]:
    if len(proof) > MAX_PROOF or any(len(h) != HASH_SIZE for h in proof):
        raise TlogMalformed("proof", f"must be at most {MAX_PROOF} hashes of {HASH_SIZE} bytes")
    return [bytes(h) for h in proof]


def inclusion_root(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes | None:
    """The root a leaf hash and its path imply for a tree of `size` (None when the path has the wrong length)."""
    if not 0 <= index < size:
        return None

    def run(m: int, n: int, path: list[bytes]) -> bytes:
        if n == 1:
            if path:
                raise _Failed
            return leaf
        if not path:
            raise _Failed
        k, sibling = split(n), path[-1]
        if m < k:
            return node_hash(run(m, k, path[:-1]), sibling)
        return node_hash(sibling, run(m - k, n - k, path[:-1]))

    try:
        return run(index, size, _checked(proof))
    except _Failed:
        return None


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """True when `proof` shows the leaf hash at `index` in the tree of `size` leaves with `root`."""
    return inclusion_root(index, size, leaf, proof) == root


def verify_consistency(old_size: int, old_root: bytes, new_size: int, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """True when `proof` shows the tree (old_size, old_root) is a prefix of (new_size, new_root)."""
    path = _checked(proof)
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:  # the empty tree is a prefix of every tree
        return not path and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not path and old_root == new_root

    def run(m: int, n: int, whole: bool, rest: list[bytes]) -> tuple[bytes, bytes]:
        """(old subtree hash, new subtree hash) of the subtree with n leaves, m of them old."""
        if m == n:
            if whole:  # the old tree itself: its root is known, the proof omits it
                if rest:
                    raise _Failed
                return old_root, old_root
            if len(rest) != 1:
                raise _Failed
            return rest[0], rest[0]
        if not rest:
            raise _Failed
        k, sibling = split(n), rest[-1]
        if m <= k:
            old, new = run(m, k, whole, rest[:-1])
            return old, node_hash(new, sibling)
        old, new = run(m - k, n - k, False, rest[:-1])
        return node_hash(sibling, old), node_hash(sibling, new)

    try:
        return run(old_size, new_size, True, path) == (old_root, new_root)
    except _Failed:
        return False


def check_extends(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """Raise unless `new` is the same log as `old`, no smaller, and consistent with it by `proof`."""
    if new.origin != old.origin:
        raise OriginMismatch(f"the checkpoint is of log {new.origin!r}, not {old.origin!r}")
    if new.size < old.size:
        raise CheckpointRollback(f"the checkpoint's tree ({new.size} leaves) is smaller than one already "
                                 f"seen ({old.size} leaves)")
    if new.size == old.size and new.root != old.root:
        raise CheckpointInconsistent(f"two different roots for the tree of {new.size} leaves: history was rewritten")
    if not verify_consistency(old.size, old.root, new.size, new.root, proof):
        raise CheckpointInconsistent(f"the consistency proof from {old.size} to {new.size} leaves does not hold: "
                                     "the new tree does not extend the old one")


def check_log_holds(checkpoint: Checkpoint, log_size: int, root_at: Callable[[int], bytes]) -> None:
    """Raise unless a log of `log_size` leaves, whose root at size n is `root_at(n)`, extends `checkpoint`.

    For whoever holds the whole log (`audit verify --checkpoint`): the root is recomputed, no proof needed.
    """
    if log_size < checkpoint.size:
        raise CheckpointRollback(f"the log has {log_size} leaves, fewer than the {checkpoint.size} the checkpoint "
                                 "signed: entries were removed")
    if root_at(checkpoint.size) != checkpoint.root:
        raise CheckpointInconsistent(f"the log's root at {checkpoint.size} leaves is not the checkpoint's: history "
                                     "was rewritten")
