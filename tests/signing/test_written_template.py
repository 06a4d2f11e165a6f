"""The written proof (书面证明) as seed 000 附件1 draws it, each test one sentence of the template."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import pypdf
import pytest

from ledger.application import Actor, CertLedger
from ledger.domain import ProofKind
from signing.content import DocumentContent
from signing.render import Renderer
from tests.conftest import resident_id

JINAN = Actor("王芳", "1501")
LIAONING = Actor("李强", "0700")
ELECTRICIAN = "1915010000000731"
LN_ELECTRICIAN = "1907000000200017"
HOLDER = resident_id(date(1979, 11, 3), region="370124", serial=31)
SEED_LAST_SENTENCE = "如有疑问，可登录山东省技能人才评价工作网或技能人才评价证书全国联网查询。"  # 附件1, verbatim


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture
def app() -> Any:
    ledger = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    ledger.ensure_default_catalog(JINAN)
    for actor, number in ((JINAN, ELECTRICIAN), (LIAONING, LN_ELECTRICIAN)):
        ledger.issue(actor, {"number": number, "holder_name": "刘建国", "gender": "男", "id_number": HOLDER,
                             "occupation": "电工", "level": "三级", "theory_score": "81", "practical_score": "77",
                             "issue_date": "2019-06-28"})
        now = ledger.now()
        ledger.register_key(actor, f"k-{actor.office}", "Ed25519", "-", "-", now - timedelta(days=1),
                            now + timedelta(days=1), office=actor.office,
                            publisher=lambda keys, at: b"not.a.trust-list")  # the template needs no trust list
    yield ledger
    ledger.close()


def page_text(app: Any, renderer: Renderer, actor: Actor, number: str, reason: str) -> str:
    draft = app.draft_proof(actor, number, ProofKind.WRITTEN, reason)
    pdf = renderer.render(DocumentContent.of(draft.view, date(2026, 12, 1)), "HTTPS://V.EXAMPLE/V/ABC")
    return re.sub(r"\s+", "", pypdf.PdfReader(BytesIO(pdf)).pages[0].extract_text())


def test_the_issuing_authority_is_the_hr_and_social_security_department(app: Any, renderer: Renderer) -> None:
    # 附件1: 发证机构：省、市人力资源社会保障部门 (not the office that hands the proof out).
    text = page_text(app, renderer, JINAN, ELECTRICIAN, "lost")
    assert "发证机构济南市人力资源和社会保障局" in text
    assert "证明出具单位：济南市人才服务中心" in text and "证明出具单位咨询电话：0531-68966472" in text


def test_the_seal_is_the_issuing_authoritys_seal(app: Any, renderer: Renderer) -> None:
    # 附件1: 发证机构章 — the department's seal, named along its ring, with the name and the date under it.
    text = page_text(app, renderer, JINAN, ELECTRICIAN, "lost")
    assert text.count("济南市人力资源和社会保障局") == 3  # the table, the line under the seal, the seal's ring
    assert "证明专用章" not in text
    assert "济南市人力资源和社会保障局2026年12月1日" in text


def test_the_attestation_ends_with_the_seeds_sentence_verbatim(app: Any, renderer: Renderer) -> None:
    text = page_text(app, renderer, JINAN, ELECTRICIAN, "lost")
    assert ("兹证明上述证书持有人遗失所持有职业资格证书，根据《人力资源社会保障部办公厅关于进一步做好"
            "技能人员职业资格证书发放管理有关工作的通知》（人社厅发〔2018〕42号）规定") in text
    assert "上述职业资格证书信息证明与原证书信息完全一致，真实有效。" + SEED_LAST_SENTENCE in text


def test_liaoning_names_its_own_lookup_sites(app: Any, renderer: Renderer) -> None:
    # seed 001 二: 技能人才评价证书全国联网查询（zscx.osta.org.cn）或辽宁省技能人才评价工作网（ln.nvq.net.cn）
    text = page_text(app, renderer, LIAONING, LN_ELECTRICIAN, "lost")
    assert "如有疑问，可登录技能人才评价证书全国联网查询或辽宁省技能人才评价工作网查询。" in text
    assert "发证机构辽宁省人力资源和社会保障厅" in text and "山东" not in text


def test_the_overseas_wording_is_grammatical(app: Any, renderer: Renderer) -> None:
    text = page_text(app, renderer, JINAN, ELECTRICIAN, "overseas")
    assert "兹证明上述证书持有人因境外就业申请换发所持有职业资格证书，根据" in text
    assert "因境外就业换发所持有" not in text


def test_the_proof_prints_the_whole_id_number_and_every_public_surface_masks_it(
        app: Any, renderer: Renderer) -> None:
    # 附件1's 370124XXXXXXXXXXXX is a placeholder like its XXX and XXXX-XXXXXXXX: the proof is the holder's.
    assert HOLDER in page_text(app, renderer, JINAN, ELECTRICIAN, "lost")
    proof = app.prove(JINAN, ELECTRICIAN, ProofKind.WRITTEN, "lost")
    answered = json.dumps(app.show(proof.number).to_dict(), ensure_ascii=False, default=str)
    assert HOLDER not in answered and "370124XXXXXXXXXXXX" in answered
