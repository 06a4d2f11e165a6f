"""The package check sees values, not a zip: entries, bytes and rows of cells, given here from memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ledger.batch_check import PackageEntry, ReadCell, UnreadableEntry, examine_package
from ledger.batch_rules import FIELDS
from tests.batch.photos import id_photo
from tests.conftest import resident_id

STEM = "202005-034-一级建造师(证书补换印制信息)数据(济南市)(1人)"
TODAY = date(2020, 5, 31)


@dataclass
class MemoryPackage:
    """PackageFiles without a zip: a spreadsheet's rows and the files' bytes kept in dicts."""

    files: dict[str, bytes] = field(default_factory=dict)
    sheets: dict[str, list[list[str]]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    path: Path = Path("memory.zip")
    sha256: str = "ab" * 32

    @property
    def entries(self) -> list[PackageEntry]:
        names = [*self.sheets, *self.files]
        folders = sorted({n.split("/", 1)[0] + "/" for n in names if "/" in n})
        return [PackageEntry(n, len(self.files.get(n, b"")), False) for n in names] + [
            PackageEntry(f, 0, True) for f in folders]

    def read(self, entry: PackageEntry) -> bytes:
        if entry.name in self.broken:
            raise UnreadableEntry(entry.name, "BadZipFile")
        return self.files[entry.name]

    def cells(self, entry: PackageEntry) -> list[list[ReadCell]]:
        return [[ReadCell(v, True) for v in row] for row in self.sheets[entry.name]]


def one_person(photo: bytes | None = None) -> MemoryPackage:
    number = resident_id()
    row = ["ZS2015000001", "王五", number, "居民身份证", "男", "一级", "建筑工程", "1985-03", "2015-06-01",
           f"{number}.jpg", "济南市"]
    return MemoryPackage(files={f"{STEM}/{number}.jpg": id_photo(1) if photo is None else photo},
                         sheets={f"{STEM}.XLS": [list(FIELDS), row]})


def test_a_package_of_rows_and_photo_bytes_checks_clean_without_any_file() -> None:
    package = examine_package(one_person(), today=TODAY)
    assert package.problems == () and package.rows == 1 and (package.city_area, package.month) == ("济南市", "202005")
    (row,) = package.sheets[0].rows
    assert row.cells["ZSGLH"] == "ZS2015000001" and len(row.photo_sha256) == 64


def test_a_photo_breaking_the_rule_is_named_by_file_row_and_field() -> None:
    package = examine_package(one_person(photo=id_photo(2, size=(300, 400))), today=TODAY)
    assert [(p.file, p.row, p.field) for p in package.problems] == [(f"{STEM}.XLS", 2, "ZP")]
    assert "300×400 px" in package.problems[0].message


def test_an_entry_the_reader_cannot_read_is_a_problem_not_a_crash() -> None:
    files = one_person()
    files.broken = {f"{STEM}/{resident_id()}.jpg"}
    (problem,) = examine_package(files, today=TODAY).problems
    assert problem.message == f"photo {resident_id()}.jpg cannot be read from the zip (BadZipFile)"
