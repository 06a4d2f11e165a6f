"""`operator revoke PREFIX` names one credential or refuses: a prefix two credentials share is not resolved to
whichever the ledger lists first (a revocation of the wrong operator's credential cannot be undone)."""

from __future__ import annotations

import pytest

from cli.operator_commands import pick_credential
from ledger.errors import InvalidInput, NotFound

A = "0123456789abcdef" + "a" * 48
B = "0123456789abcdef" + "b" * 48
C = "fedcba9876543210" + "c" * 48


def test_a_unique_prefix_or_a_full_id_names_its_credential() -> None:
    assert pick_credential([A, B, C], "1501", "fedcba9876543210") == C
    assert pick_credential([A, B, C], "1501", A.upper()) == A
    assert pick_credential([A, B, C], "1501", A[:17]) == A


def test_a_shared_prefix_is_refused_naming_every_candidate() -> None:
    with pytest.raises(InvalidInput) as caught:
        pick_credential([B, C, A], "1501", "0123456789abcdef")
    assert caught.value.field == "credential"
    assert "names 2 credentials of office 1501" in caught.value.rule
    assert A in caught.value.rule and B in caught.value.rule and C not in caught.value.rule


def test_a_short_or_unknown_prefix_is_refused() -> None:
    with pytest.raises(InvalidInput):
        pick_credential([A], "1501", "0123456789abcde")
    with pytest.raises(NotFound):
        pick_credential([A], "1501", "1111111111111111")
