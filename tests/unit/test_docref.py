"""The document reference: one way to write and read what joins a PDF, its token and the log."""

import pytest

from ledger.docref import DocumentReference, NumberKind, kind_of_number
from ledger.errors import InvalidInput, NotFound


def test_a_certificate_edition_reads_back_as_it_was_written():
    ref = DocumentReference.certificate("1807000000103353", 2)
    assert str(ref) == "1807000000103353#2"
    assert DocumentReference.parse(" 1807000000103353#2 ") == ref
    assert not ref.is_proof


def test_a_proof_is_its_own_number_without_an_edition():
    ref = DocumentReference.parse("sm-1915010000123456-01")
    assert ref == DocumentReference.proof("SM-1915010000123456-01")
    assert str(ref) == "SM-1915010000123456-01" and ref.is_proof


def test_a_bare_certificate_number_is_refused_unless_the_query_allows_it():
    with pytest.raises(InvalidInput, match="NUMBER#EDITION"):
        DocumentReference.parse("1807000000103353")
    assert DocumentReference.parse("1807000000103353", bare_allowed=True).edition is None


@pytest.mark.parametrize("text", ["1807000000103353#0", "1807000000103353#x", "1807000000103353#", "1807000000103353#٣",
                                  "SM-1915010000123456-01#1"])
def test_an_edition_that_cannot_exist_is_not_found(text):
    with pytest.raises(NotFound):
        DocumentReference.parse(text)


def test_numbers_are_told_apart_by_their_prefix():
    assert kind_of_number("SQ-1501-20261201-ABC123") is NumberKind.REQUEST
    assert kind_of_number("ZG-ZS2018000002-01") is NumberKind.PROOF
    assert kind_of_number("ZS2018000002") is NumberKind.CERTIFICATE
