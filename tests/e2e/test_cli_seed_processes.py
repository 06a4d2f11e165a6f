"""The commands of issue 13 through the real `certledger` process, few and broad (each call costs ~2 s): the
professional loop at the city (seeds 002, 004), materials, handover with --request, and the Zhejiang commands'
refusals at an office of another province (seed 003)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Cli

ZHEJIANG = {"code": "33", "name": "浙江省", "lookup_urls": ["http://zscx.osta.org.cn"], "cities": {
    "01": {"area": "杭州市", "office": "杭州市职业技能鉴定指导中心", "phone": "0571-00000001",
           "address": "浙江省杭州市（测试地址）"}}}


def test_the_city_reviews_against_the_record_refers_the_score_pass_request_and_hands_the_uncollected_original_over(
        shandong: Cli, resident_id: Callable[[str], str], tmp_path: Path) -> None:
    holder = resident_id("37010219850302123")
    assert shandong("issue", "--family", "professional", "--number", "ZS2015000001", "--authority", "1501",
                    "--name", "王五", "--gender", "男", "--id-number", holder, "--occupation", "一级建造师",
                    "--level", "一级", "--date", "2015-06-01").code == 0
    # seed 004 二(二)1: the score-pass request files the reissue request in the same save
    applied = shandong("--json", "request", "apply", "ZS2015000001", "--kind", "score-pass", "--applicant", "王五")
    assert applied.code == 0, applied.err
    (score_pass,) = applied.json()  # type: ignore[misc]
    reissue = score_pass["related"]
    # seed 001 三: materials are attachments kept with the request
    scan = tmp_path / "id-front.jpg"
    scan.write_bytes(b"front of the ID card")
    assert shandong("request", "attach", score_pass["number"], f"id-front={scan}").code == 0
    assert shandong("request", "accept", score_pass["number"]).code == 0
    # seeds 002, 004: review compares what the applicant states with the record; a mismatch stops the approval
    wrong = shandong("request", "review", score_pass["number"], "--approve", "--stated", "name=王六", "--photo-ok")
    assert wrong.code != 0 and "name" in wrong.err
    reviewed = shandong("--json", "request", "review", score_pass["number"], "--approve", "--stated", "name=王五",
                        "--stated", f"id_number={holder}", "--photo-ok")
    assert reviewed.code == 0, reviewed.err
    (view,) = reviewed.json()  # type: ignore[misc]
    assert view["stage"] == "approved" and view["review"]["photo_attested"] is True
    referred = shandong("--json", "request", "refer", score_pass["number"])
    assert referred.code == 0, referred.err
    assert referred.json()[0]["referred_to"] == "1500"  # type: ignore[index]  # the provincial centre
    # seed 002 审核补证数据: 未领取的，告知考生并发放证书 — the original is handed over, delivered once
    assert shandong("request", "accept", reissue).code == 0
    kept = shandong("--json", "request", "review", reissue, "--approve", "--not-collected", "--photo-ok")
    assert kept.code == 0, kept.err
    assert kept.json()[0]["review"]["outcome"] == "hand-over-original"  # type: ignore[index]
    pad = tmp_path / "signature.png"
    pad.write_bytes(b"e-signature pad")
    handed = shandong("handover", "in-person", "ZS2015000001", "--id-number", holder, "--evidence",
                      f"signature={pad}", "--request", reissue)
    assert handed.code == 0, handed.err
    listed = {r["number"]: r for r in shandong("--json", "request", "list").json()}  # type: ignore[union-attr]
    assert listed[reissue]["stage"] == "delivered" and listed[reissue]["delivery"]["handover"]


def test_an_office_loads_only_its_own_provinces_table_and_publishes_pickups_only_where_a_province_times_them(
        shandong: Cli, resident_id: Callable[[str], str], tmp_path: Path) -> None:
    table = tmp_path / "zhejiang.json"
    table.write_text(json.dumps(ZHEJIANG, ensure_ascii=False), "utf-8")
    before = shandong.event_count()
    refused = shandong("authority", "load", str(table))
    assert refused.code != 0 and "authority-table-own-province" in refused.err
    assert shandong.event_count() == before  # nothing written
    assert shandong("issue", "--number", "1915010000000731", "--name", "刘建国", "--gender", "男", "--id-number",
                    resident_id("37010219850302123"), "--occupation", "电工", "--level", "四级",
                    "--date", "2019-06-28").code == 0
    no_clock = shandong("pickup", "publish", "1915010000000731")
    assert no_clock.code != 0 and "no-pickup-limits" in no_clock.err  # seed 003's clocks are Zhejiang's
    assert shandong("--json", "pickup", "overdue").json() == []
    assert shandong("--json", "request", "overdue").json() == []
