"""A bulk import's rows are validated as values; formats.import_file turns CSV and XLSX files into them."""

from __future__ import annotations

from pathlib import Path

import pytest

from formats.import_file import read_rows
from ledger.errors import ImportRejected, InvalidInput
from ledger.importer import validate_rows
from tests.conftest import resident_id

HEADER = ["证书编号", "姓名", "性别", "身份证号", "职业（工种）", "等级", "发证日期"]


def row(number: str = "1915010000000101", **changes: str) -> list[str]:
    fields = {"number": number, "name": "张一", "gender": "男", "id": resident_id(), "occupation": "焊工",
              "level": "三级", "date": "2019-06-28"}
    fields.update(changes)
    return list(fields.values())


def test_rows_with_the_templates_chinese_headers_are_validated_without_a_file() -> None:
    (data,) = validate_rows([HEADER, row()], "memory")
    assert (data.number, data.holder_name, data.issue_date) == ("1915010000000101", "张一", "2019-06-28")


def test_every_bad_row_is_named_with_its_row_number_and_field() -> None:
    with pytest.raises(ImportRejected) as refused:
        validate_rows([HEADER, row(), row("1915010000000102", gender="X"), row(), ["1", "2"]], "名册.csv")
    assert [(line, field) for line, field, _ in refused.value.problems] == [(3, "gender"), (4, "number"), (5, "row")]
    assert "名册.csv" in refused.value.message


def test_a_gb18030_csv_is_read_as_rows_of_text(tmp_path: Path) -> None:
    path = tmp_path / "名册.csv"
    path.write_bytes(("\n".join(",".join(r) for r in [HEADER, row()]) + "\n").encode("gb18030"))
    assert list(read_rows(path)) == [HEADER, row()]


def test_a_missing_file_or_another_extension_is_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        read_rows(tmp_path / "nothing.csv")
    (tmp_path / "名册.txt").write_text("x")
    with pytest.raises(InvalidInput, match="a .csv or .xlsx file"):
        read_rows(tmp_path / "名册.txt")
