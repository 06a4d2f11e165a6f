"""`certledger --json request list` reports each request's stage, due date and steps, and the legal limit
where one applies (seed 002: 法定办结时限 3 月)."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.conftest import Cli


def test_request_list_reports_stage_due_steps_and_the_legal_limit(
        shandong: Cli, resident_id: Callable[[str], str]) -> None:
    holder = resident_id("37010219850302123")
    assert shandong("issue", "--family", "professional", "--number", "ZS2019ABC123", "--authority", "1501",
                    "--name", "王芳", "--gender", "男", "--id-number", holder, "--occupation", "一级建造师",
                    "--level", "一级", "--date", "2019-12-20").code == 0
    assert shandong("issue", "--number", "1915010000000731", "--name", "刘建国", "--gender", "男",
                    "--id-number", holder, "--occupation", "电工", "--level", "四级", "--date", "2019-06-28").code == 0
    for number, kind in (("ZS2019ABC123", "exchange"), ("1915010000000731", "proof")):
        r = shandong("request", "apply", number, "--kind", kind, "--applicant", "王芳", "--on", "2024-05-06")
        assert r.code == 0, r.err
    listed = shandong("--json", "request", "list")
    assert listed.code == 0, listed.err
    professional, skill = sorted(listed.json(), key=lambda r: r["kind"])  # type: ignore[arg-type]
    assert (professional["stage"], professional["due"]) == ("applied", "2024-05-06")
    assert [(s["stage"], s["on"]) for s in professional["steps"]] == [("applied", "2024-05-06")]
    assert (professional["process"], professional["promised"], professional["legal_limit"]) == (
        "sd-professional-reissue", "2024-08-05", "2024-08-06")
    assert professional["past_legal_limit"] is True  # today is long after 2024
    assert (skill["stage"], skill["due"], skill["process"]) == ("applied", "2024-05-06", "sd-skill-proof-window")
    assert "legal_limit" not in skill and [s["stage"] for s in skill["steps"]] == ["applied"]
    shown = shandong("request", "overdue")
    assert "2024-08-05" in shown.out and "2024-08-06 PAST" in shown.out
