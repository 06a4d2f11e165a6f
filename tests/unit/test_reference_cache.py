"""The shipped reference tables are parsed once: a first scan of a centre's document asks for its centre."""

from __future__ import annotations

import pytest

from ledger.errors import RuleViolation
from ledger.reference import examination_centre, professional_lookup, professional_service


def test_a_centre_and_the_ministrys_lookup_are_the_same_objects_on_every_ask() -> None:
    # Without the cache each call re-read and parsed authorities.json (about 0.3 ms of a first scan's 0.7 ms).
    assert examination_centre("15") is examination_centre("15")
    assert examination_centre("15").office == "山东省人事考试中心"
    assert professional_lookup() is professional_lookup()
    assert professional_service("15") is professional_service("15")


def test_a_province_without_a_centre_is_refused_on_every_ask_not_remembered_as_an_answer() -> None:
    for _ in range(2):
        with pytest.raises(RuleViolation, match="names no personnel examination centre"):
            examination_centre("99")
