"""keys.tlog's proof checks agree with the independent RFC 9162 verifier, on honest and on altered proofs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from keys.tlog import verify_consistency, verify_inclusion
from ledger.merkle import EMPTY_ROOT, leaf_hash
from tests.audit import rfc6962
from tests.audit.tlogtrees import build_log, states


def _altered(proof: list[bytes], which: int, byte: int) -> list[bytes]:
    if not proof:
        return proof
    i = which % len(proof)
    h = proof[i]
    return [*proof[:i], h[:byte] + bytes([h[byte] ^ 0x80]) + h[byte + 1:], *proof[i + 1:]]


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_consistency_checks_agree_with_the_rfc_verifier(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=60))
    new = data.draw(st.integers(min_value=1, max_value=n))
    old = data.draw(st.integers(min_value=1, max_value=new))
    log, _ = build_log(states(n))
    proof = log.consistency_proof(old, new)
    assert verify_consistency(old, log.root(old), new, log.root(new), proof)
    assert rfc6962.verify_consistency(old, new, log.root(old), log.root(new), proof)
    variants = [
        _altered(proof, data.draw(st.integers(0, 63)), data.draw(st.integers(0, 31))),
        proof[:-1], [*proof, proof[0]] if proof else [EMPTY_ROOT], proof[::-1],
    ]
    sizes = [(old, new), (old + 1, new), (old, new - 1 or 1)]
    for variant in variants:
        for o, w in sizes:
            if not 0 < o <= w <= n:
                continue
            ours = verify_consistency(o, log.root(o), w, log.root(w), variant)
            assert ours == rfc6962.verify_consistency(o, w, log.root(o), log.root(w), variant)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_inclusion_checks_agree_with_the_rfc_verifier(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=60))
    size = data.draw(st.integers(min_value=1, max_value=n))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    log, records = build_log(states(n))
    proof = log.inclusion_proof(index, size)
    leaf = leaf_hash(records[index])
    assert verify_inclusion(index, size, leaf, proof, log.root(size))
    for variant in (_altered(proof, data.draw(st.integers(0, 63)), 7), proof[:-1], [*proof, leaf]):
        for i, s in ((index, size), (index + 1, size), (index, size + 1)):
            if i < s <= n:
                assert verify_inclusion(i, s, leaf, variant, log.root(s)) == rfc6962.verify_inclusion(
                    leaf, i, s, variant, log.root(s))


def test_the_empty_tree_extends_to_any_tree_with_an_empty_proof() -> None:
    log, _ = build_log(states(5))
    assert verify_consistency(0, EMPTY_ROOT, 5, log.root(5), [])
    assert not verify_consistency(0, EMPTY_ROOT, 5, log.root(5), [log.root(5)])
    assert not verify_consistency(0, log.root(1), 5, log.root(5), [])
