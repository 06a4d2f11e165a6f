"""Bad input: one clear line naming the field and the rule, a non-zero exit, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli
from tests.e2e.test_cli_story import issue_args


@pytest.fixture
def issued(shandong: Cli, resident_id: Callable[[str], str]) -> Cli:
    assert shandong(*issue_args("1915010000123456", "王五", "男", resident_id("37012419900101123"), "电工", "三级",
                                "2019-06-01")).code == 0
    return shandong


def assert_refused_cleanly(cli: Cli, args: list[str], code: int, *fragments: str, **who: str) -> None:
    before = cli.rows()
    r = cli(*args, **who)
    assert r.code == code, (r.code, r.err)
    assert r.err.startswith("error: ") and r.err.count("\n") == 1, r.err
    assert "Traceback" not in r.err + r.out
    for fragment in fragments:
        assert fragment in r.err
    assert cli.rows() == before  # the store is unchanged


def test_a_wrong_id_check_character_is_refused_naming_the_field(issued: Cli) -> None:
    args = issue_args("1915010000123457", "王五", "男", "370124199001011233", "电工", "三级", "2019-06-01")
    assert_refused_cleanly(issued, args, 3, "id_number", "GB 11643", "expected 'X'")


def test_an_unknown_city_code_is_refused(issued: Cli, resident_id: Callable[[str], str]) -> None:
    args = issue_args("1915990000123457", "王五", "男", resident_id("37012419900101123"), "电工", "三级", "2019-06-01")
    assert_refused_cleanly(issued, args, 3, "number", "unknown city code '99'")


def test_an_unknown_province_code_is_refused(issued: Cli, resident_id: Callable[[str], str]) -> None:
    args = issue_args("1944010000123457", "王五", "男", resident_id("37012419900101123"), "电工", "三级", "2019-06-01")
    assert_refused_cleanly(issued, args, 3, "unknown province code '44'")


def test_a_reissue_by_an_office_that_did_not_issue_it_is_refused(issued: Cli) -> None:
    issued.add_office("1502", "青岛")  # a genuine credential of another office: the authority rule refuses it
    assert_refused_cleanly(issued, ["prove", "1915010000123456"], 4, "issuing-authority-only",
                           office="1502", operator="青岛")


def test_a_duplicate_issuance_is_refused_by_the_store(issued: Cli, resident_id: Callable[[str], str]) -> None:
    args = issue_args("1915010000123456", "别人", "女", resident_id("37012419920202222"), "电工", "三级", "2019-06-01")
    assert_refused_cleanly(issued, args, 6, "already issued")


def test_a_score_out_of_range_names_the_field(issued: Cli, resident_id: Callable[[str], str]) -> None:
    args = [*issue_args("1915010000123458", "王五", "男", resident_id("37012419900101123"), "电工", "三级",
                        "2019-06-01"), "--theory", "101"]
    assert_refused_cleanly(issued, args, 3, "theory_score", "0 to 100")


def test_a_malformed_import_file_is_reported_row_by_row_and_nothing_is_imported(issued: Cli, tmp_path: Path,
                                                                                resident_id) -> None:
    bad = tmp_path / "bad.csv"
    good_id = resident_id("37010219900101001")
    bad.write_text(
        "number,holder_name,gender,id_number,occupation,level,issue_date\n"
        f"1915010000000001,甲,男,{good_id},电工,三级,2019-01-01\n"
        "1915010000000002,乙,男,370102199001010011,电工,三级,2019-01-01\n"  # bad check char
        f"1915990000000003,丙,男,{good_id},电工,三级,2019-01-01\n"  # unknown city
        f"1915010000000001,丁,男,{good_id},电工,三级,2019-01-01\n"  # duplicate in file
        f"1915010000000005,戊,男,{good_id},电工,九级,2019-01-01\n",  # bad level
        encoding="utf-8")
    issued.add_office("1500", "省中心")
    before = issued.rows()
    r = issued("import", str(bad), office="1500", operator="省中心")
    assert r.code == 8
    for fragment in ("row 3: id_number", "row 4: number", "row 5: number", "row 6: level"):
        assert fragment in r.err
    assert "\n  row 2:" not in r.err and "Traceback" not in r.err
    assert issued.rows() == before


def test_an_import_that_collides_with_the_store_writes_nothing(issued: Cli, tmp_path: Path, resident_id) -> None:
    f = tmp_path / "collide.csv"
    f.write_text("number,holder_name,gender,id_number,occupation,level,issue_date\n"
                 f"1915010000000009,甲,男,{resident_id('37010219900101001')},电工,三级,2019-01-01\n"
                 f"1915010000123456,乙,男,{resident_id('37012419900101123')},电工,三级,2019-06-01\n",
                 encoding="utf-8")
    before = issued.rows()
    r = issued("import", str(f))
    assert r.code == 6 and "1915010000123456" in r.err
    assert issued.rows() == before


def test_a_file_that_is_not_csv_or_xlsx_is_refused(issued: Cli, tmp_path: Path) -> None:
    f = tmp_path / "data.xlsx"
    f.write_bytes(b"this is not a workbook")
    assert_refused_cleanly(issued, ["import", str(f)], 3, "file", "XLSX")


def test_commands_before_init_explain_what_to_do(cli: Cli) -> None:
    r = cli("show", "1915010000123456")
    assert r.code == 5 and "certledger init" in r.err
