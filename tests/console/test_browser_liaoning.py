"""A Liaoning reissue with review in Debian's Chromium, through the pages only: the clerk takes in the lost
welder certificate at the window, the reviewer compares field by field (a mismatch shown, then approved), the
head sees the catalog's decision (焊工 is in the catalog: reissued under the original number) before
confirming, and the clerk hands the reissued certificate over in person with the on-site scan."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import resident_id
from tests.console.conftest import HEAD_PASSWORD
from tests.console.liaoning_home import (
    HOLDER_LN,
    LN_CLERK,
    LN_CLERK_PASSWORD,
    LN_HEAD,
    LN_REVIEWER,
    LN_REVIEWER_PASSWORD,
    WELDER_LN,
    make_liaoning_home,
)
from tests.console.serving import CHROMIUM, console_process, log_in_page
from tests.e2e.conftest import Cli

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")]


def test_a_liaoning_reissue_with_review_through_the_pages(tmp_path: Path, chromium: object) -> None:
    home = make_liaoning_home(tmp_path)
    cli = Cli(home, tmp_path)
    with console_process(cli) as base:
        clerk: Any = log_in_page(chromium, base, LN_CLERK, LN_CLERK_PASSWORD)
        request_url = _take_in(clerk)
        _review(log_in_page(chromium, base, LN_REVIEWER, LN_REVIEWER_PASSWORD), request_url)
        head: Any = log_in_page(chromium, base, LN_HEAD, HEAD_PASSWORD)
        head.goto(request_url)
        decision = head.locator("#decision").inner_text()
        assert "仍在国家职业资格目录" in decision and "按原证书编号补发" in decision  # shown before confirming
        head.click("text=确认补发")
        assert f"/documents/{WELDER_LN}" in head.url and "补发" in head.content()
        _hand_over_in_person(clerk, base, request_url, tmp_path)
    shown = cli("--json", "show", request_url.rsplit("/", 1)[1]).json()
    shown = shown[0] if isinstance(shown, list) else shown
    steps = {s["stage"]: s["operator"] for s in shown["steps"]}  # type: ignore[index]
    assert steps == {"applied": LN_CLERK, "accepted": LN_CLERK, "approved": LN_REVIEWER, "completed": LN_HEAD,
                     "delivered": LN_CLERK}
    audit = cli("audit", "verify")
    assert audit.code == 0, audit.out + audit.err


def _take_in(clerk: Any) -> str:
    """The clerk takes in the lost welder certificate at the window."""
    clerk.click("text=受理申请")
    clerk.fill("input[name=number]", WELDER_LN)
    clerk.select_option("select[name=kind]", "reissue")
    clerk.fill("input[name=applicant]", "张伟")
    clerk.fill("input[name=id_number]", HOLDER_LN)
    clerk.click("button.primary")
    assert "已受理" in clerk.locator("dd.stage").inner_text()
    url: str = clerk.url
    return url


def _review(reviewer: Any, request_url: str) -> None:
    """Field by field: the specialty's mismatch shown, then corrected and approved."""
    reviewer.goto(request_url)
    for check, value in (("name", "张伟"), ("id_number", HOLDER_LN), ("certificate_number", WELDER_LN),
                         ("level", "四级"), ("specialty", "电焊工"), ("approval_date", "2018-07-12")):
        reviewer.fill(f"#stated_{check}", value)
    reviewer.click("button[value=compare]")
    assert reviewer.locator("tr.mismatch[data-check=specialty]").count() == 1
    assert reviewer.locator("tr.match").count() == 5
    reviewer.fill("#stated_specialty", "焊工")
    reviewer.check("input[type=checkbox][name=photo]")
    reviewer.click("button[value=approve]")
    assert "审核通过" in reviewer.locator("dd.stage").inner_text()


def _hand_over_in_person(clerk: Any, base: str, request_url: str, tmp_path: Path) -> None:
    """Another person's ID is refused by the ledger's rule; the holder's, with the on-site scan, completes it."""
    clerk.goto(request_url)
    assert "已办结" in clerk.locator("dd.stage").inner_text()
    scan = tmp_path / "pickup-scan.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 on-site scan of the ID card and the signed pickup sheet")
    clerk.fill("#ip_id", resident_id(date(1990, 4, 18), region="210102", serial=8))  # valid, not the holder's
    clerk.click("text=登记本人领取")
    assert "in-person-id-must-match" in clerk.content()  # the ledger's rule, named on the refusal page
    clerk.goto(request_url)
    clerk.fill("#ip_id", HOLDER_LN)
    clerk.set_input_files("#ip_scan", str(scan))
    clerk.click("text=登记本人领取")
    assert "已送达" in clerk.locator("dd.stage").inner_text()
    clerk.goto(base + f"/documents/{WELDER_LN}")
    where = clerk.locator("main").inner_text()
    assert "本人领取" in where and HOLDER_LN not in clerk.content()
