"""The Shandong window case through the console's pages: a lost electrician certificate (电工 left the catalog,
seed 000) -> application accepted at the window -> reviewed against the record -> written proof signed by the
head -> mailed by the clerk; every save signed by the acting operator's own credential (audit verify)."""

from __future__ import annotations

from tests.console.conftest import (
    CLERK_PASSWORD,
    HEAD_PASSWORD,
    HOLDER_ID,
    NUMBER,
    REVIEWER_PASSWORD,
    client_of,
    log_in,
    post,
)
from tests.console.test_access import make_staff


def test_a_lost_electrician_certificate_becomes_a_mailed_written_proof(app, cli) -> None:
    make_staff(app)
    clerk, reviewer, head = client_of(app), client_of(app), client_of(app)
    clerk_csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", clerk_csrf, number=NUMBER, kind="proof", applicant="王五", channel="window",
             id_document="id-card", id_number=HOLDER_ID, accept="1")
    assert r.status_code == 303, r.text
    request = r.headers["location"].rsplit("/", 1)[1]
    queue = clerk.get("/?kind=proof&channel=window").text
    assert request in queue and "已受理" in queue

    _review(reviewer, request)
    head_csrf = log_in(head, "张三", HEAD_PASSWORD)
    r = post(head, f"/requests/{request}/prove", head_csrf, reason="lost")
    assert r.status_code == 303, r.text
    proof = r.headers["location"].rsplit("/", 1)[1]
    assert proof.startswith("SM-")
    page = head.get(f"/proofs/{proof}")
    assert page.status_code == 200 and "签名 PDF 预览" in page.text
    pdf = head.get(f"/proofs/{proof}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert head.get(f"/proofs/{proof}/print").status_code == 200
    assert head.get(f"/proofs/{proof}/page.png").content.startswith(b"\x89PNG")

    r = post(clerk, f"/requests/{request}/mail", clerk_csrf, tracking="EA123456789CN", address="济南市历下区…1号",
             recipient="王五", phone="13800000000")
    assert r.status_code == 303, r.text
    assert "已送达" in clerk.get(f"/requests/{request}").text
    timeline = clerk.get(f"/documents/{NUMBER}").text
    assert proof in timeline and "EA123456789CN" in timeline

    shown = cli("--json", "show", request).json()
    shown = shown[0] if isinstance(shown, list) else shown
    steps = {s["stage"]: s["operator"] for s in shown["steps"]}  # type: ignore[index]
    assert steps == {"applied": "李四", "accepted": "李四", "approved": "赵六", "completed": "张三",
                     "delivered": "李四"}
    audit = cli("audit", "verify")
    assert audit.code == 0, audit.out + audit.err


def _review(reviewer, request: str) -> None:
    """A stated level that differs from the record is shown, and refuses approval; the right one approves."""
    reviewer_csrf = log_in(reviewer, "赵六", REVIEWER_PASSWORD)
    stated = {"stated_name": "王五", "stated_id_number": HOLDER_ID, "stated_certificate_number": NUMBER,
              "stated_level": "三级", "stated_specialty": "电工", "stated_approval_date": "2019-06-01"}
    compared = post(reviewer, f"/requests/{request}/review", reviewer_csrf, decision="compare",
                    **{**stated, "stated_level": "四级"})
    assert compared.status_code == 200
    assert 'class="mismatch" data-check="level"' in compared.text and "不一致" in compared.text
    refused = post(reviewer, f"/requests/{request}/review", reviewer_csrf, decision="approve",
                   **{**stated, "stated_level": "四级"}, photo="same-person")
    assert refused.status_code == 409 and "review-data-must-match" in refused.text
    r = post(reviewer, f"/requests/{request}/review", reviewer_csrf, decision="approve", **stated,
             photo="same-person")
    assert r.status_code == 303, r.text


def test_a_refusal_names_the_field_in_chinese_and_writes_nothing(app) -> None:
    make_staff(app)
    clerk = client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", csrf, number=NUMBER, kind="proof", applicant="", channel="window")
    assert r.status_code in (400, 422) and "申请人" in r.text
    r = post(clerk, "/requests", csrf, number=NUMBER, kind="nonsense", applicant="王五")
    assert r.status_code == 400 and "字段「申请类型」" in r.text
    r = post(clerk, "/requests", csrf, number=NUMBER, kind="proof", applicant="王五", channel="window",
             id_number="110101199003071234")
    assert r.status_code in (400, 409) and "Traceback" not in r.text
    assert "没有符合条件的申请" in clerk.get("/").text


def test_a_reissue_the_catalog_refuses_is_offered_as_a_written_proof_before_confirming(app) -> None:
    make_staff(app)
    clerk, reviewer, head = client_of(app), client_of(app), client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", csrf, number=NUMBER, kind="reissue", applicant="王五", channel="window", accept="1")
    request = r.headers["location"].rsplit("/", 1)[1]
    stated = {"stated_name": "王五", "stated_id_number": HOLDER_ID, "stated_certificate_number": NUMBER,
              "stated_level": "三级", "stated_specialty": "电工", "stated_approval_date": "2019-06-01"}
    assert post(reviewer, f"/requests/{request}/review", log_in(reviewer, "赵六", REVIEWER_PASSWORD),
                decision="approve", photo="same-person", **stated).status_code == 303
    head_csrf = log_in(head, "张三", HEAD_PASSWORD)
    page = head.get(f"/requests/{request}").text
    assert "已退出国家职业资格目录" in page and "改为签发书面证明" in page
    refused = post(head, f"/requests/{request}/replace", head_csrf)  # confirming anyway: the ledger refuses
    assert refused.status_code == 409 and "written" in refused.text
    r = post(head, f"/requests/{request}/prove", head_csrf, reason="lost")
    assert r.status_code == 303 and "/proofs/SM-" in r.headers["location"]
    assert "已办结" in head.get(f"/requests/{request}").text


def test_a_reissue_of_an_occupation_still_in_the_catalog_keeps_the_number_after_review(app) -> None:
    from tests.console.conftest import WELDER, WELDER_ID

    make_staff(app)
    clerk, reviewer, head = client_of(app), client_of(app), client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", csrf, number=WELDER, kind="reissue", applicant="孙九", channel="online", accept="1")
    request = r.headers["location"].rsplit("/", 1)[1]
    stated = {"stated_name": "孙九", "stated_id_number": WELDER_ID, "stated_certificate_number": WELDER,
              "stated_level": "四级", "stated_specialty": "焊工", "stated_approval_date": "2019-09-01"}
    assert post(reviewer, f"/requests/{request}/review", log_in(reviewer, "赵六", REVIEWER_PASSWORD),
                decision="approve", photo="same-person", **stated).status_code == 303
    head_csrf = log_in(head, "张三", HEAD_PASSWORD)
    assert "仍在国家职业资格目录" in head.get(f"/requests/{request}").text
    r = post(head, f"/requests/{request}/replace", head_csrf)
    assert r.status_code == 303 and r.headers["location"] == f"/documents/{WELDER}"
    timeline = head.get(f"/documents/{WELDER}").text
    assert "补发" in timeline and f"{WELDER}#2" in timeline


def test_an_applicants_photo_goes_to_the_attachment_store_and_a_bad_one_is_refused(app) -> None:
    from tests.batch.photos import id_photo
    from tests.console.conftest import WELDER

    make_staff(app)
    clerk = client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", csrf, number=WELDER, kind="reissue", applicant="孙九", channel="online")
    request = r.headers["location"].rsplit("/", 1)[1]
    bad = clerk.post(f"/requests/{request}/photo", data={"csrf": csrf},
                     files={"photo": ("p.jpg", b"not a jpeg", "image/jpeg")})
    assert bad.status_code == 400 and "字段「照片」" in bad.text
    good = id_photo()
    r = clerk.post(f"/requests/{request}/photo", data={"csrf": csrf}, files={"photo": ("p.jpg", good, "image/jpeg")})
    assert r.status_code == 303, r.text
    import hashlib

    assert app.state.console.ledger.blobs.check(hashlib.sha256(good).hexdigest()).value == "ok"
    too_big = clerk.post(f"/requests/{request}/photo", data={"csrf": csrf},
                         files={"photo": ("p.jpg", b"x" * (5 * 1024 * 1024), "image/jpeg")})
    assert too_big.status_code == 413
