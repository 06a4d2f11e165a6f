"""The head's issuing forms (in process): a certificate issued from the form (the ledger's rules refuse a bad ID
number naming the field, writing nothing), a correction on its approved request, and the centre-proof form
refusing a request of another kind; a clerk may do none of it."""

from __future__ import annotations

from datetime import date

from tests.conftest import resident_id, with_wrong_check_char
from tests.console.conftest import (
    CLERK_PASSWORD,
    HEAD_PASSWORD,
    NUMBER,
    REVIEWER_PASSWORD,
    WELDER,
    client_of,
    log_in,
    post,
)
from tests.console.test_access import make_staff

FIELDS = {"family": "skill", "number": "1915010000777777", "holder_name": "吴十", "gender": "男",
          "id_number": resident_id(date(1991, 2, 3), serial=18), "occupation": "焊工", "level": "三级",
          "theory_score": "82", "practical_score": "79", "issue_date": "2019-05-06"}


def test_the_head_issues_from_the_form_and_a_bad_id_number_is_refused(app) -> None:
    head = client_of(app)
    csrf = log_in(head, "张三", HEAD_PASSWORD)
    assert "颁发证书" in head.get("/certificates/new").text
    r = post(head, "/certificates", csrf, **{**FIELDS, "id_number": with_wrong_check_char(FIELDS["id_number"])})
    assert r.status_code == 400 and "字段「证件号码」" in r.text
    assert head.get("/documents/1915010000777777").status_code == 404  # nothing was written
    r = post(head, "/certificates", csrf, **FIELDS)
    assert r.status_code == 303 and r.headers["location"] == "/documents/1915010000777777"
    timeline = head.get(r.headers["location"]).text
    assert "颁发" in timeline and FIELDS["id_number"] not in timeline
    again = post(head, "/certificates", csrf, **FIELDS)
    assert again.status_code == 409


def test_a_correction_on_its_approved_request(app) -> None:
    make_staff(app)
    clerk, reviewer, head = client_of(app), client_of(app), client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", csrf, number=WELDER, kind="correct", applicant="孙九", accept="1")
    request = r.headers["location"].rsplit("/", 1)[1]
    r = post(reviewer, f"/requests/{request}/review", log_in(reviewer, "赵六", REVIEWER_PASSWORD),
             decision="approve", photo="same-person")
    assert r.status_code == 303, r.text
    head_csrf = log_in(head, "张三", HEAD_PASSWORD)
    assert 'id="correction"' in head.get(f"/requests/{request}").text
    r = post(clerk, f"/requests/{request}/correct", csrf, new_holder_name="孙玖")
    assert r.status_code == 403 and "不能执行「签发」" in r.text
    r = post(head, f"/requests/{request}/correct", head_csrf)
    assert r.status_code == 400 and "字段「更正内容」" in r.text
    r = post(head, f"/requests/{request}/correct", head_csrf, new_level="九级")
    assert r.status_code == 400 and "字段「等级」" in r.text
    r = post(head, f"/requests/{request}/correct", head_csrf, new_holder_name="孙玖")
    assert r.status_code == 303, r.text
    assert "孙玖" in head.get(f"/documents/{WELDER}").text and "已办结" in head.get(f"/requests/{request}").text
    r = post(head, f"/requests/{request}/centre-proof", head_csrf)
    assert r.status_code == 409 and "字段「申请类型」" not in r.text and "成绩合格证明" in r.text


def test_a_correction_the_catalog_rule_refuses_is_offered_as_a_written_proof_of_the_corrected_data(app) -> None:
    # 电工 left the catalog (seed 000): no correction exchange, a written proof stating the corrected name instead
    make_staff(app)
    clerk, head = client_of(app), client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", csrf, number=NUMBER, kind="correct", applicant="王五", accept="1")
    request = r.headers["location"].rsplit("/", 1)[1]
    head_csrf = log_in(head, "张三", HEAD_PASSWORD)
    assert post(head, f"/requests/{request}/review", head_csrf, decision="approve",
                photo="same-person").status_code == 303
    shown = head.get(f"/requests/{request}").text
    assert 'id="correction-proof"' in shown and 'id="correction"' not in shown and "已退出国家职业资格目录" in shown
    refused = post(head, f"/requests/{request}/correct", head_csrf, new_holder_name="王伍")  # around the page
    assert refused.status_code == 409 and "occupation-left-catalog" in refused.text
    r = post(clerk, f"/requests/{request}/correction-proof", csrf, new_holder_name="王伍")
    assert r.status_code == 403 and "不能执行「签发」" in r.text
    assert post(head, f"/requests/{request}/correction-proof", head_csrf).status_code == 400
    r = post(head, f"/requests/{request}/correction-proof", head_csrf, new_holder_name="王伍")
    assert r.status_code == 303 and r.headers["location"].startswith("/proofs/"), r.text
    proof = head.get(r.headers["location"]).text
    assert "王伍" in proof and "书面证明" in proof
    assert "已办结" in head.get(f"/requests/{request}").text
    assert "王五" in head.get(f"/documents/{NUMBER}").text  # the certificate itself is not changed
