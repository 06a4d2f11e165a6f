"""The audit view (in process): the latest checkpoint, `audit verify` started from the page (the installed
command, without the console's passphrases), its state polled until it answers; logged out, nothing."""

from __future__ import annotations

import time

from tests.console.conftest import HEAD_PASSWORD, client_of, log_in, post
from tests.console.test_access import make_staff


def test_audit_verify_runs_from_the_page_and_its_result_is_shown(app, cli) -> None:
    make_staff(app)
    assert cli("audit", "checkpoint").code == 0
    auditor = client_of(app)
    csrf = log_in(auditor, "钱七", "auditor-reads-secret-1501")
    page = auditor.get("/audit")
    assert page.status_code == 200 and "最新检查点" in page.text and "尚未运行" in page.text
    assert "尚无检查点（" not in page.text
    r = post(auditor, "/audit/verify", csrf)
    assert r.status_code == 303
    deadline = time.monotonic() + 120
    status = auditor.get("/audit/status").json()
    while status["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        status = auditor.get("/audit/status").json()
    assert status["state"] == "ok", status
    assert status["ok"] is True and "全部一致" in status["summary"]
    assert "通过" in auditor.get("/audit").text


def test_the_audit_view_needs_a_login_and_a_form_from_this_site(app) -> None:
    nobody = client_of(app)
    assert nobody.get("/audit").status_code == 303 and nobody.get("/audit/status").status_code == 303
    head = client_of(app)
    csrf = log_in(head, "张三", HEAD_PASSWORD)
    r = head.post("/audit/verify", data={"csrf": csrf}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    assert head.get("/audit/status").json() == {"state": "none"}
