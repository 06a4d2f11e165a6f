"""The log's roots and proofs, checked by an independent RFC 6962 verifier."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle import leaf_hash
from ledger.translog import MemoryLogStore, TransparencyLog
from tests.audit.rfc6962 import mth, verify_consistency, verify_inclusion


class _Notification:
    def __init__(self, i: int) -> None:
        self.id = i
        self.originator_id = f"00000000-0000-0000-0000-{i:012d}"
        self.originator_version = 1
        self.topic = "t:T"
        self.state = hashlib.sha256(str(i).encode()).digest()


class _Recorder:
    def __init__(self, n: int) -> None:
        self.rows = [_Notification(i) for i in range(1, n + 1)]

    def select_notifications(self, start: int, limit: int) -> list[_Notification]:
        return [r for r in self.rows if r.id >= start][:limit]


def log_of(n: int, *, in_steps: int = 3) -> tuple[TransparencyLog, list[bytes]]:
    """A log built incrementally (several catch-ups), and the leaf data it covers."""
    rec = _Recorder(n)
    log = TransparencyLog(MemoryLogStore())
    full = rec.rows
    for cut in sorted({n * k // in_steps for k in range(1, in_steps + 1)}):
        rec.rows = full[:cut]
        log.catch_up(rec)
    from tests.audit.tlogtrees import leaf_records

    return log, leaf_records(log, full)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=70))
def test_the_root_equals_the_rfc_tree_head_at_every_size(n: int) -> None:
    log, data = log_of(n)
    assert log.size() == n
    for size in range(1, n + 1):
        assert log.root(size) == mth(data[:size])


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_inclusion_proof_verifies_independently(data_strategy: st.DataObject) -> None:
    n = data_strategy.draw(st.integers(min_value=1, max_value=70))
    size = data_strategy.draw(st.integers(min_value=1, max_value=n))
    index = data_strategy.draw(st.integers(min_value=0, max_value=size - 1))
    log, data = log_of(n)
    proof = log.inclusion_proof(index, size)
    root = mth(data[:size])
    assert verify_inclusion(leaf_hash(data[index]), index, size, proof, root)
    # ...and fails for another leaf, or against another root.
    other = (index + 1) % size
    if other != index:
        assert not verify_inclusion(leaf_hash(data[other]), index, size, proof, root)
    assert not verify_inclusion(leaf_hash(data[index]), index, size, proof, mth(data[: size - 1]) if size > 1
                                else hashlib.sha256(b"x").digest())


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_consistency_proof_verifies_independently(data_strategy: st.DataObject) -> None:
    n = data_strategy.draw(st.integers(min_value=1, max_value=70))
    new = data_strategy.draw(st.integers(min_value=1, max_value=n))
    old = data_strategy.draw(st.integers(min_value=1, max_value=new))
    log, data = log_of(n)
    proof = log.consistency_proof(old, new)
    assert verify_consistency(old, new, mth(data[:old]), mth(data[:new]), proof)
    if old < new:
        # A rewritten earlier history cannot be proved consistent with the new head.
        forged = [hashlib.sha256(b"forged").digest(), *data[1:old]]
        assert not verify_consistency(old, new, mth(forged), mth(data[:new]), proof)


def test_the_independent_verifier_knows_the_rfc_examples_shape() -> None:
    # A control for the verifier itself: a 7-leaf tree, leaf 3's path has 3 siblings.
    log, data = log_of(7, in_steps=1)
    assert len(log.inclusion_proof(3, 7)) == 3
    assert not verify_inclusion(leaf_hash(data[3]), 3, 7, log.inclusion_proof(3, 7)[:2], mth(data))
