"""The monthly batch through the installed `certledger` command: Jinan (1501) exports, the provincial center
(1500) checks and imports; each corruption of the package is refused naming its file and row, importing nothing."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import xlrd  # type: ignore[import-untyped]

from tests.batch import packages
from tests.batch.conftest import Person, people
from tests.batch.photos import id_photo
from tests.conftest import _LIBRARY_KEYS as LIBRARY_KEYS
from tests.conftest import resident_id, with_wrong_check_char
from tests.e2e.conftest import Cli, Result

pytestmark = pytest.mark.e2e
CENTER = {"office": "1500", "operator": "李四"}


@dataclass(frozen=True)
class Exported:
    home: Path
    package: Path
    month: str
    persons: list[Person]

    def sheet(self, code: str, exam: str, count: int, ext: str = "XLS") -> str:
        return f"{self.month}-{code}-{exam}(证书补换印制信息)数据(济南市)({count}人).{ext}"

    @property
    def builders(self) -> str:
        return self.sheet("034", "一级建造师", 2)


def ok(result: Result) -> Result:
    assert result.code == 0, (result.code, result.err)
    return result


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """Three persons' certificates issued, their requests approved and the month's package exported, once."""
    with pytest.MonkeyPatch.context() as env:
        for key in [k for k in os.environ if k.removeprefix("CERTLEDGER_").startswith(LIBRARY_KEYS)]:
            env.delenv(key)  # a developer's shell must not redirect the store (as tests.conftest does per test)
        return _export(tmp_path_factory.mktemp("jinan"))


def _export(root: Path) -> Exported:
    cli = Cli(home=root / "home", cwd=root)
    ok(cli("init", "--office", "1501", "--operator", "张三"))
    persons = people()
    reviewed_at = ""
    for person in persons:
        args = ["issue", "--family", "professional", "--number", person.number, "--name", person.name,
                "--gender", person.gender, "--id-number", person.id_number, "--occupation", person.exam[1],
                "--exam-code", person.exam[0], "--level", person.level, "--specialty", person.specialty,
                "--date", person.approved]
        if person.photo is not None:
            photo = root / f"{person.number}.jpg"
            photo.write_bytes(person.photo)
            args += ["--photo", str(photo)]
        ok(cli(*args))
        (applied,) = ok(cli("--json", "request", "apply", person.number, "--kind", person.kind.value,
                            "--applicant", person.name)).json()  # type: ignore[misc]
        person.requests.append(applied["number"])
        ok(cli("request", "accept", applied["number"]))
        (reviewed,) = ok(cli("--json", "request", "review", applied["number"], "--approve", "--photo-ok")).json()  # type: ignore[misc]
        reviewed_at = reviewed["review"]["at"]
    month = f"{datetime.fromisoformat(reviewed_at).astimezone(ZoneInfo('Asia/Shanghai')):%Y%m}"
    out = ok(cli("--json", "batch", "export", "--city", "1501", "--month", month, "--out", str(root / "out"))).json()
    return Exported(cli.home, Path(out["package"]), month, persons)  # type: ignore[index]


@pytest.fixture
def center(exported: Exported, tmp_path: Path) -> Cli:
    """A copy of the exported ledger of its own, acting as the provincial center."""
    shutil.copytree(exported.home, tmp_path / "home")
    cli = Cli(home=tmp_path / "home", cwd=tmp_path)
    cli.add_office(**CENTER)  # the center's key and its clerk's credential
    return cli


def test_an_exported_package_is_checked_and_imported_through_the_command(exported: Exported, center: Cli) -> None:
    checked = ok(center("--json", "batch", "check", str(exported.package), **CENTER)).json()
    assert checked["ok"] and checked["rows"] == 3 and checked["problems"] == []  # type: ignore[index]

    imported = ok(center("--json", "batch", "import", str(exported.package), **CENTER)).json()

    assert imported["imported"] and imported["requests_linked"] == 3  # type: ignore[index]
    assert imported["batches"] == [f"{exported.month}-024-1501", f"{exported.month}-034-1501"]  # type: ignore[index]
    for person in exported.persons:
        shown = ok(center("--json", "show", person.requests[0])).json()
        assert shown[0]["steps"][-1]["stage"] == "forwarded"  # type: ignore[index]
        assert "Forwarded" in ok(center("history", person.requests[0])).out
    again = center("batch", "import", str(exported.package), **CENTER)
    assert again.code == 6 and again.err.count("\n") == 1 and "already imported" in again.err


def test_the_export_follows_the_rule_and_every_cell_is_text(exported: Exported) -> None:
    li, wang, zhao = exported.persons
    software = exported.sheet("024", "计算机技术与软件专业技术资格", 1)
    stem = exported.builders.removesuffix(".XLS")
    with zipfile.ZipFile(exported.package) as zf:
        names = set(zf.namelist())
        sheet_bytes = zf.read(exported.builders)
    assert exported.package.name == f"{exported.month}-证书补换数据(济南市).zip"
    assert {n for n in names if not n.startswith("纸质材料/")} == {
        exported.builders, f"{stem}/", f"{stem}/{wang.id_number}.jpg",
        software, software.replace(".XLS", "/"), software.replace(".XLS", f"/{zhao.id_number}.jpg")}
    assert {n for n in names if n.startswith("纸质材料/")} == {
        f"纸质材料/{exported.month}-证书补发(更换)统计汇总表(济南市).pdf",
        f"纸质材料/{exported.month}-034-一级建造师-专业技术人员职业资格证书补发(更换)申请表(济南市)(2人).pdf",
        f"纸质材料/{exported.month}-024-计算机技术与软件专业技术资格-专业技术人员职业资格证书补发(更换)申请表(济南市)(1人).pdf"}
    sheet = xlrd.open_workbook(file_contents=sheet_bytes, formatting_info=True).sheet_by_index(0)
    assert {sheet.cell_type(r, c) for r in range(sheet.nrows) for c in range(sheet.ncols)} == {xlrd.XL_CELL_TEXT}
    assert [sheet.cell_value(r, 0) for r in range(sheet.nrows)] == ["ZSGLH", wang.number, li.number]  # by PZRQ


def test_the_xlsx_option_round_trips_too(exported: Exported, center: Cli) -> None:
    out = ok(center("--json", "batch", "export", "--month", exported.month, "--out", "xlsx", "--format", "xlsx",
                    office="1501")).json()
    expected = {exported.sheet("034", "一级建造师", 2, "XLSX"),
                exported.sheet("024", "计算机技术与软件专业技术资格", 1, "XLSX")}
    assert {s["file"] for s in out["sheets"]} == expected  # type: ignore[index]
    ok(center("batch", "import", out["package"], **CENTER))  # type: ignore[index]


Corruption = Callable[[Exported, packages.Entries], None]


def _blank_name(e: Exported, content: packages.Entries) -> None:
    packages.set_cell(content, e.builders, 2, "KSXM", "")


def _bad_check_char(e: Exported, content: packages.Entries) -> None:
    packages.set_cell(content, e.builders, 2, "ZJHM", with_wrong_check_char(e.persons[1].id_number))


def _unknown_number(e: Exported, content: packages.Entries) -> None:
    packages.set_cell(content, e.builders, 3, "ZSGLH", "ZS2099999999")


def _level_on_record_differs(e: Exported, content: packages.Entries) -> None:
    packages.set_cell(content, e.builders, 2, "BKJB", "二级")


def _photo(e: Exported, content: packages.Entries, data: bytes) -> None:
    content[f"{e.builders.removesuffix('.XLS')}/{e.persons[1].id_number}.jpg"] = data


def _misnamed(e: Exported, content: packages.Entries) -> None:
    packages.rename_sheet(content, e.builders, e.builders.replace("(证书补换印制信息)", ""), folder_too=True)


def _wrong_count(e: Exported, content: packages.Entries) -> None:
    packages.rename_sheet(content, e.builders, e.builders.replace("(2人)", "(3人)"), folder_too=True)


def _other_city(e: Exported, content: packages.Entries) -> None:
    packages.set_cell(content, e.builders, 3, "BMS", "青岛市")


CORRUPTIONS: dict[str, tuple[Corruption, str, int | None, str, str]] = {
    # name: (corruption, file named (from the builders' sheet), row, field, words of the message)
    "missing field": (_blank_name, "{sheet}", 2, "KSXM", "missing: 姓名 is required"),
    "bad ID check character": (_bad_check_char, "{sheet}", 2, "ZJHM", "check character"),
    "number not in the database": (_unknown_number, "{sheet}", 3, "ZSGLH", "not in the certificate database"),
    "level disagrees with the database": (_level_on_record_differs, "{sheet}", 2, "BKJB",
                                          "disagrees with the certificate database"),
    "wrong photo size": (lambda e, c: _photo(e, c, id_photo(7, size=(300, 400))), "{sheet}", 2, "ZP",
                         "300×400 px"),
    "wrong photo format": (lambda e, c: _photo(e, c, id_photo(7, fmt="PNG")), "{sheet}", 2, "ZP",
                           "a PNG image"),
    "misnamed file": (_misnamed, "{misnamed}", None, "file name", "does not follow the naming rule"),
    "wrong head count": (_wrong_count, "{three}", None, "N人", "the name says 3人, the spreadsheet has 2 row(s)"),
    "city not matching": (_other_city, "{sheet}", 3, "BMS", "is not the file's city 济南市"),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_corrupted_package_is_refused_naming_file_and_row_and_nothing_is_imported(
        case: str, exported: Exported, center: Cli, tmp_path: Path) -> None:
    corrupt, file_pattern, row, field, words = CORRUPTIONS[case]
    package = packages.rewrite(exported.package, tmp_path / exported.package.name,
                               lambda content: corrupt(exported, content))
    named = file_pattern.format(sheet=exported.builders,
                                misnamed=exported.builders.replace("(证书补换印制信息)", ""),
                                three=exported.builders.replace("(2人)", "(3人)"))
    before = center.rows()

    checked = center("--json", "batch", "check", str(package), **CENTER)
    refused = center("batch", "import", str(package), **CENTER)

    assert checked.code == 8, checked.err
    problems = checked.json()["problems"]  # type: ignore[index]
    assert any(p["file"] == named and p["row"] == row and p["field"] == field and words in p["message"]
               for p in problems), problems
    assert refused.code == 8 and "Traceback" not in refused.err
    assert refused.err.startswith("error: ") and "nothing was imported" in refused.err.splitlines()[0]
    where = f"{named} row {row}: {field}:" if row is not None else f"{named}: {field}:"
    assert any(line.strip().startswith(where) and words in line for line in refused.err.splitlines()), refused.err
    assert center.rows() == before  # the store's events unchanged


def assert_one_clear_line(result: Result, code: int, *fragments: str) -> None:
    assert result.code == code, (result.code, result.err)
    assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err + result.out
    for fragment in fragments:
        assert fragment in result.err


def test_bad_input_gets_one_clear_line_and_a_documented_exit_code(exported: Exported, center: Cli,
                                                                   tmp_path: Path) -> None:
    center.add_office("1502", "青岛")  # Qingdao, with a credential of its own, exporting Jinan's month
    before = center.rows()
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("not a zip")
    assert_one_clear_line(center("batch", "export", "--month", "2020-05", "--out", "o", office="1501"), 3,
                          "month", "YYYYMM")
    assert_one_clear_line(center("batch", "export", "--month", exported.month, "--out", "o", "--format", "pdf",
                                 office="1501"), 3, "--format")
    assert_one_clear_line(center("batch", "export", "--month", "202001", "--out", "o", office="1501"), 5,
                          "nothing to export")
    assert_one_clear_line(center("batch", "export", "--city", "1501", "--month", exported.month, "--out", "o",
                                 office="1502"), 4, "each city sends its own")
    assert_one_clear_line(center("batch", "check", str(not_zip), **CENTER), 3, "not a readable zip package")
    assert_one_clear_line(center("batch", "check", str(tmp_path / "missing.zip"), **CENTER), 3, "no such file")
    assert_one_clear_line(center("batch", "import", str(exported.package), office="1501"), 4,
                          "batch-provincial-center-only")
    assert center.rows() == before
    assert not (center.cwd / "o").exists()


def test_a_photo_is_attached_to_a_request_only_when_it_follows_the_rule(exported: Exported, center: Cli,
                                                                         tmp_path: Path) -> None:
    request = exported.persons[1].requests[0]
    bad, good = tmp_path / "bad.jpg", tmp_path / "good.jpg"
    bad.write_bytes(id_photo(8, kb=(31, 60)))
    good.write_bytes(id_photo(8))
    assert_one_clear_line(center("batch", "photo", request, str(bad), office="1501"), 3, "a photo is 10–30 KB")
    attached = ok(center("--json", "batch", "photo", request, str(good), office="1501")).json()
    assert attached["request"] == request and attached["bytes"] == good.stat().st_size  # type: ignore[index]
    out = ok(center("--json", "batch", "export", "--month", exported.month, "--out", "again", office="1501")).json()
    with zipfile.ZipFile(out["package"]) as zf:  # type: ignore[index]
        assert zf.read(f"{exported.builders.removesuffix('.XLS')}/{exported.persons[1].id_number}.jpg") == \
            good.read_bytes()


def test_an_export_with_a_missing_photo_is_refused_naming_the_row_and_the_request(exported: Exported,
                                                                                   center: Cli) -> None:
    ok(center("issue", "--family", "professional", "--number", "TX2016000005", "--name", "吴九", "--gender", "男",
              "--id-number", resident_id(serial=77), "--occupation",
              "通信专业技术人员职业资格", "--exam-code", "021", "--level", "中级", "--specialty", "通信工程",
              "--date", "2016-04-01", office="1501"))
    (applied,) = ok(center("--json", "request", "apply", "TX2016000005", "--kind", "reissue", "--applicant", "吴九",
                           office="1501")).json()  # type: ignore[misc]
    ok(center("request", "accept", applied["number"], office="1501"))
    ok(center("request", "review", applied["number"], "--approve", "--photo-ok", office="1501"))

    refused = center("batch", "export", "--month", exported.month, "--out", "again", office="1501")

    assert refused.code == 8 and "Traceback" not in refused.err
    first, *details = refused.err.splitlines()
    assert first.startswith("error: ") and "nothing was exported" in first
    sheet = exported.sheet("021", "通信专业技术人员职业资格", 1)
    assert details == [f"  {sheet} row 2: ZP: {applied['number']}: no photo, and the certificate (approved "
                       f"2016-04-01, before 2017) needs one: certledger batch photo {applied['number']} FILE"]
    assert not (center.cwd / "again").exists()
