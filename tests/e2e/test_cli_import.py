"""Bulk import from the spreadsheets offices actually keep."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from tests.conftest import resident_id
from tests.e2e.conftest import Cli


def test_an_xlsx_with_the_templates_chinese_headers_imports_whole(shandong: Cli, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["证书编号", "姓名", "性别", "身份证号", "职业（工种）", "等级", "理论知识考试成绩",
                  "操作技能考试成绩", "发证日期"])
    ids = [resident_id(male=True), resident_id(male=False)]
    sheet.append(["1915010000000101", "张一", "男", ids[0], "焊工", "三级", 81, 90, datetime(2019, 6, 28)])
    sheet.append(["1915010000000102", "李二", "女", ids[1], "电工", "四级", 70, 66, "2019-07-01"])
    path = tmp_path / "名册.xlsx"
    book.save(path)

    r = shandong("--json", "import", str(path))
    assert r.code == 0, r.err
    assert r.json()["imported"] == 2
    first = shandong("--json", "show", "1915010000000101").json()
    assert (first["data"]["issue_date"], first["data"]["theory_score"]) == ("2019-06-28", 81)
    story = shandong("history", "1915010000000102").out
    assert "Certificate.Imported" in story and "名册.xlsx" in story


def test_a_dry_run_validates_and_writes_nothing(shandong: Cli, tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("number,holder_name,gender,id_number,occupation,level,issue_date\n"
                    f"1915010000000201,王三,男,{resident_id()},电工,三级,2019-01-01\n", encoding="utf-8")
    before = shandong.rows()
    r = shandong("--json", "import", str(path), "--dry-run")
    assert r.code == 0 and r.json()["rows"] == 1 and r.json()["imported"] == 0
    assert shandong.rows() == before


def test_a_city_office_cannot_import_another_citys_certificates(shandong: Cli, tmp_path: Path) -> None:
    path = tmp_path / "qingdao.csv"
    path.write_text("number,holder_name,gender,id_number,occupation,level,issue_date\n"
                    f"1915020000000301,赵四,男,{resident_id()},电工,三级,2019-01-01\n", encoding="utf-8")
    before = shandong.rows()
    r = shandong("import", str(path))
    assert r.code == 4 and "issuing-authority-only" in r.err
    assert shandong.rows() == before
