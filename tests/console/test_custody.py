"""Custody through the console's pages (in process): a reissued certificate handed over in person (the ID shown
must be the holder's) or to a delegate (its three scans required), an institution's handover against its contact
letter, a pickup notice; each refusal names the field or the rule and records nothing."""

from __future__ import annotations

from tests.conftest import resident_id
from tests.console.conftest import (
    CLERK_PASSWORD,
    HEAD_PASSWORD,
    REVIEWER_PASSWORD,
    WELDER,
    WELDER_ID,
    client_of,
    log_in,
    post,
)
from tests.console.test_access import make_staff


def _reissued(app) -> tuple[object, str, str]:
    make_staff(app)
    clerk, reviewer, head = client_of(app), client_of(app), client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", csrf, number=WELDER, kind="reissue", applicant="孙九", accept="1")
    request = r.headers["location"].rsplit("/", 1)[1]
    r = post(reviewer, f"/requests/{request}/review", log_in(reviewer, "赵六", REVIEWER_PASSWORD),
             decision="approve", photo="same-person")
    assert r.status_code == 303, r.text
    r = post(head, f"/requests/{request}/replace", log_in(head, "张三", HEAD_PASSWORD))
    assert r.status_code == 303, r.text
    return clerk, csrf, request


def _handover(clerk, csrf: str, request: str, files: dict[str, tuple[str, bytes]] | None = None, **data: str):
    return clerk.post(f"/requests/{request}/handover", data={"csrf": csrf, **data},  # type: ignore[attr-defined]
                      files={f"evidence_{k}": v for k, v in (files or {}).items()} or None)


def test_in_person_the_id_shown_must_be_the_holders(app) -> None:
    clerk, csrf, request = _reissued(app)
    page = clerk.get(f"/requests/{request}").text
    assert "本人领取" in page and "委托他人领取" in page and "邮寄送达" in page
    other = resident_id(serial=77)
    r = _handover(clerk, csrf, request, how="in-person", id_document="id-card", id_number=other)
    assert r.status_code == 409 and "in-person-id-must-match" in r.text
    r = _handover(clerk, csrf, request, how="by-pigeon")
    assert r.status_code == 400 and "字段「交付方式」" in r.text
    assert "已办结" in clerk.get(f"/requests/{request}").text
    r = _handover(clerk, csrf, request, {"scan": ("scan.jpg", b"\xff\xd8 scan")}, how="in-person",
                  id_document="id-card", id_number=WELDER_ID)
    assert r.status_code == 303, r.text
    assert "已送达" in clerk.get(f"/requests/{request}").text
    timeline = clerk.get(f"/documents/{WELDER}").text
    assert "本人领取" in timeline and WELDER_ID not in timeline


def test_a_delegate_needs_the_power_of_attorney_and_both_id_copies(app) -> None:
    clerk, csrf, request = _reissued(app)
    delegate = resident_id(serial=41, male=False)
    r = _handover(clerk, csrf, request, {"power-of-attorney": ("poa.pdf", b"%PDF poa")}, how="delegate",
                  name="孙九妻", id_number=delegate)
    assert r.status_code == 400 and "字段「材料」" in r.text
    files = {"power-of-attorney": ("poa.pdf", b"%PDF poa"), "id-copy": ("a.jpg", b"\xff\xd8 a"),
             "holder-id-copy": ("b.jpg", b"\xff\xd8 b")}
    r = _handover(clerk, csrf, request, files, how="delegate", name="孙九妻", id_number=delegate)
    assert r.status_code == 303, r.text
    assert "已送达" in clerk.get(f"/requests/{request}").text


def test_a_pickup_notice_and_an_institutions_handover(app) -> None:
    make_staff(app)
    clerk = client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    assert "发布领取证书通知" in clerk.get("/custody").text
    assert "没有逾期未领取的证书" in clerk.get("/custody/uncollected").text
    r = post(clerk, "/custody/pickups", csrf, certificates="")
    assert r.status_code == 400 and "字段「证书编号」" in r.text
    r = post(clerk, "/custody/pickups", csrf, certificates=WELDER)  # Shandong sets no pickup clock (Zhejiang does)
    assert r.status_code == 409 and "no-pickup-limits" in r.text
    letter = {"numbers": WELDER, "institution": "济南市焊接技术培训学校", "batch_number": "JN-2026-11-001",
              "occupation": "焊工", "level": "四级", "head_count": "1", "agent_name": "周经办",
              "agent_id_number": resident_id(serial=52), "certificates_received": "2", "signer": "周经办",
              "signer_phone": "0531-8888888", "receipt_date": "2026-11-30"}
    r = post(clerk, "/custody/institution", csrf, **letter)
    assert r.status_code == 400 and "字段「签收证书数」" in r.text
    r = post(clerk, "/custody/institution", csrf, **{**letter, "certificates_received": "1"})
    assert r.status_code == 303, r.text
    assert "单位领取" in clerk.get(f"/documents/{WELDER}").text


def test_a_reviewer_cannot_hand_over_and_an_auditor_sees_no_custody_page(app) -> None:
    make_staff(app)
    reviewer, auditor = client_of(app), client_of(app)
    csrf = log_in(reviewer, "赵六", REVIEWER_PASSWORD)
    r = post(reviewer, "/custody/pickups", csrf, certificates=WELDER)
    assert r.status_code == 403 and "不能执行「发放/送达」" in r.text
    log_in(auditor, "钱七", "auditor-reads-secret-1501")
    assert auditor.get("/custody").status_code == 403
