"""The prove-batch file: typed rows, and the lines the file alone refuses, named by line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from formats.proof_rows import ProofRow, read_proof_rows
from ledger.domain import ProofKind
from ledger.errors import InvalidInput


def test_rows_are_read_with_their_line_and_the_defaults_filled(tmp_path: Path) -> None:
    file = tmp_path / "batch.csv"
    file.write_text("\ufeffnumber,kind,reason,request\n1915010000000100,,, \n1915010000000101,score-pass,overseas,"
                    "SQ-1\n", "utf-8")
    batch = read_proof_rows(file)
    assert batch.problems == ()
    assert batch.rows == (ProofRow(2, "1915010000000100", ProofKind.WRITTEN, "lost", None),
                          ProofRow(3, "1915010000000101", ProofKind.SCORE_PASS, "overseas", "SQ-1"))


def test_an_unknown_kind_and_a_number_listed_twice_are_refused_per_line(tmp_path: Path) -> None:
    file = tmp_path / "batch.csv"
    file.write_text("number,kind\n1915010000000100,written\n1915010000000101,diploma\n1915010000000100,written\n",
                    "utf-8")
    batch = read_proof_rows(file)
    assert [r.line for r in batch.rows] == [2]
    assert batch.problems == ((3, "kind", "written, score-pass or qualification"),
                              (4, "number", "number: listed twice: one proof per certificate per batch"))


@pytest.mark.parametrize(("content", "rule"), [
    (b"\xff\xfe not utf-8", "not a readable UTF-8 CSV file (UnicodeDecodeError)"),
    (b"certificate\n1915010000000100\n", "needs a header with at least a number column, and rows"),
    (b"number\n", "needs a header with at least a number column, and rows"),
])
def test_a_file_that_is_no_proof_batch_is_refused_naming_the_file(tmp_path: Path, content: bytes, rule: str) -> None:
    file = tmp_path / "batch.csv"
    file.write_bytes(content)
    with pytest.raises(InvalidInput) as refused:
        read_proof_rows(file)
    assert (refused.value.field, refused.value.rule) == ("file", rule)
