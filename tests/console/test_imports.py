"""批量颁发 from an uploaded file (in process): the same format and checks as `certledger import`; the whole file
recorded in one save, or every bad row named in Chinese (row, field, rule) and nothing written; the progress
read as JSON by the page's script, the result a plain page without it; the head's step only."""

from __future__ import annotations

import time
from datetime import date

from tests.conftest import resident_id, with_wrong_check_char
from tests.console.conftest import CLERK_PASSWORD, HEAD_PASSWORD, client_of, log_in
from tests.console.test_access import make_staff

HEADER = "证书编号,姓名,性别,身份证号,职业（工种）,等级,发证日期,理论知识考试成绩,操作技能考试成绩\n"


def csv_of(*rows: tuple[str, str, str]) -> bytes:
    """Rows of (number, name, ID number): welders, level 4, issued in 2019 (the number's year digits)."""
    return (HEADER + "".join(f"{n},{name},男,{i},焊工,四级,2019-05-06,80,78\n" for n, name, i in rows)).encode()


GOOD = [(f"19150100008800{k:02d}", f"测试{k}", resident_id(date(1990, 1, 1 + k), serial=10 + k)) for k in range(3)]


def _finished(client: object, location: str) -> dict[str, object]:
    for _ in range(200):
        status = client.get(location + "/status").json()  # type: ignore[attr-defined]
        if not status["running"]:
            return status  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def _upload(client: object, csrf: str, name: str, data: bytes) -> object:
    return client.post("/certificates/import", data={"csrf": csrf},  # type: ignore[attr-defined]
                       files={"file": (name, data, "text/csv")})


def test_a_clean_file_is_issued_in_one_save_with_its_progress(app) -> None:
    head = client_of(app)
    csrf = log_in(head, "张三", HEAD_PASSWORD)
    assert 'name="file"' in head.get("/certificates/import").text
    r = _upload(head, csrf, "三月.csv", csv_of(*GOOD))
    assert r.status_code == 303, r.text
    status = _finished(head, r.headers["location"])
    assert status == {"phase": "done", "done": 3, "total": 3, "imported": 3, "problems": 0, "running": False,
                      "label": "已完成"}
    shown = head.get(r.headers["location"]).text
    assert "已颁发 3 本证书" in shown and 'http-equiv="refresh"' not in shown
    for number, _name, id_number in GOOD:
        page = head.get(f"/documents/{number}")
        assert page.status_code == 200 and "imported from 三月.csv" in page.text and id_number not in page.text


def test_a_file_with_a_bad_row_names_it_in_chinese_and_writes_nothing(app) -> None:
    head = client_of(app)
    csrf = log_in(head, "张三", HEAD_PASSWORD)
    bad = (GOOD[1][0], GOOD[1][1], with_wrong_check_char(GOOD[1][2]))
    r = _upload(head, csrf, "三月.csv", csv_of(GOOD[0], bad, GOOD[2]))
    status = _finished(head, r.headers["location"])
    assert status["phase"] == "rejected" and status["problems"] == 1 and status["imported"] == 0
    shown = head.get(r.headers["location"]).text
    assert "未写入任何内容" in shown and 'data-row="3"' in shown and "字段「证件号码」" in shown
    assert bad[2] not in shown  # the ID number is masked in the rule's text too
    for number, _name, _id in GOOD:
        assert head.get(f"/documents/{number}").status_code == 404  # all or nothing


def test_only_the_head_issues_a_file_and_only_a_csv_or_xlsx(app) -> None:
    make_staff(app)
    clerk, head = client_of(app), client_of(app)
    clerk_csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    assert clerk.get("/certificates/import").status_code == 403
    r = _upload(clerk, clerk_csrf, "三月.csv", csv_of(*GOOD))
    assert r.status_code == 403 and "不能执行「签发」" in r.text  # type: ignore[attr-defined]
    csrf = log_in(head, "张三", HEAD_PASSWORD)
    r = _upload(head, csrf, "三月.txt", csv_of(*GOOD))
    assert r.status_code == 400 and "字段「证书文件」只能是 CSV 或 XLSX" in r.text  # type: ignore[attr-defined]
    forged = head.post("/certificates/import", data={"csrf": "forged"},
                       files={"file": ("三月.csv", csv_of(*GOOD), "text/csv")})
    assert forged.status_code == 403
    assert head.get("/certificates/import/nonesuch").status_code == 404
    assert head.get(f"/documents/{GOOD[0][0]}").status_code == 404  # nothing of it written
