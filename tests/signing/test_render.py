"""Rendering: one A4 page, the font embedded, the right text (the holder's whole ID: seed 000 附件1's X's are
placeholders), a QR code a phone can read."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, cast

import pypdf
import pypdfium2
import pytest
import segno
import zxingcpp
from PIL import Image
from pypdf.generic import DictionaryObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from ledger.application import Actor, CertLedger
from ledger.domain import ProofKind
from signing.content import (
    QUALIFICATION_ATTESTATION,
    SCORE_PASS_ATTESTATION,
    TITLES,
    DocumentContent,
    written_attestation,
)
from signing.errors import FontUnavailable, RenderError, SigningError
from signing.fonts import FONT_NAME
from signing.ornaments import qr_modules
from signing.render import Renderer, chinese_date, wrap_cjk
from tests.conftest import resident_id

JINAN = Actor("王芳", "1501")
KINDS = ("written", "score-pass", "qualification", "certificate")


def verify_url(seed: str, length: int = 240) -> str:
    """A plausible verification URL: uppercase, so the QR code can use alphanumeric mode."""
    raw = hashlib.shake_256(seed.encode()).digest(length)
    return "HTTPS://VERIFY.CERTLEDGER.EXAMPLE/V/" + base64.b32encode(raw).decode()[:length]


def make_content(kind: str = "written", **changes: object) -> DocumentContent:
    """A document's content without a ledger: a skill certificate, or a professional one for those proofs."""
    professional = kind in ("score-pass", "qualification")
    attestation = {"written": written_attestation("lost"),
                   "score-pass": SCORE_PASS_ATTESTATION.format(qualification="一级建造师"),
                   "qualification": QUALIFICATION_ATTESTATION.format(qualification="招标师"),
                   "certificate": ""}[kind]
    number = "3700201805000123" if professional else "1915010000123456"
    content = DocumentContent(
        kind=kind, number={"written": "SM-", "score-pass": "CJ-", "qualification": "ZG-"}.get(kind, "")
        + number + ("-01" if kind != "certificate" else ""),
        title=TITLES[kind], family="professional" if professional else "skill", holder_name="王晓五",
        gender="男", id_number=resident_id(region="370124"), certificate_number=number, edition=1,
        occupation="一级建造师" if professional else "电工", level="一级" if professional else "三级",
        specialty="建筑工程" if professional else "", theory_score="" if professional else "81",
        practical_score="" if professional else "77", review_score="", result="合格", issue_date=date(2019, 6, 1),
        authority_office="济南市人才服务中心", authority_phone="0531-68966472",
        authority_address="山东省济南市市中区经二路193号4号楼3楼",
        lookup_urls=("http://www.sdosta.org.cn", "http://zscx.osta.org.cn"), remarks=(), attestation=attestation,
        document_date=date(2026, 11, 22),
    )
    return replace(content, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def text_of(pdf: bytes) -> str:
    """The page's extracted text with all whitespace removed (a phrase may be wrapped across lines)."""
    return re.sub(r"\s+", "", pypdf.PdfReader(BytesIO(pdf)).pages[0].extract_text())


def decode_qr(pdf: bytes, dpi: int = 150) -> list[zxingcpp.Barcode]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    return [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_one_a4_page(renderer: Renderer, kind: str) -> None:
    reader = pypdf.PdfReader(BytesIO(renderer.render(make_content(kind), verify_url(kind))))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4, abs=0.01)


@pytest.mark.parametrize("kind", KINDS)
def test_only_the_embedded_subset_cjk_font_is_used(renderer: Renderer, kind: str) -> None:
    page = pypdf.PdfReader(BytesIO(renderer.render(make_content(kind), verify_url(kind)))).pages[0]
    resources = cast(DictionaryObject, page["/Resources"])
    fonts = [f.get_object() for f in cast(DictionaryObject, resources["/Font"]).values()]
    assert fonts, "the page uses no font at all"
    for font in fonts:
        # A subset tag (six capitals and '+') and the TrueType program itself: no viewer needs its own fonts.
        assert re.fullmatch(r"/[A-Z]{6}\+WenQuanYiMicroHei.*", font["/BaseFont"]), font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


@pytest.mark.parametrize("kind", KINDS)
def test_the_page_says_who_what_and_which_certificate(renderer: Renderer, kind: str) -> None:
    content = make_content(kind)
    text = text_of(renderer.render(content, verify_url(kind)))
    for expected in (content.title, content.holder_name, content.id_number, content.certificate_number,
                     content.occupation, content.authority_office, chinese_date(content.document_date)):
        assert expected in text, expected


def test_a_written_proof_follows_the_seed_template(renderer: Renderer) -> None:
    content = make_content("written")
    text = text_of(renderer.render(content, verify_url("w")))
    for expected in ("职业资格证书证明", "理论知识考试成绩：81", "操作技能考试成绩：77", "评定成绩", "发证日期",
                     "2019年6月1日", "完全一致，真实有效", "查询网址", "http://www.sdosta.org.cn",
                     "http://zscx.osta.org.cn", "证明出具单位咨询电话：0531-68966472", "2026年11月22日",
                     "证明编号：SM-1915010000123456-01"):
        assert expected in text, expected


def test_a_proof_from_the_ledger_prints_the_holders_whole_id_number(renderer: Renderer) -> None:
    # Seed 000 附件1 writes every field as X's (name XXX, phone XXXX-XXXXXXXX): placeholders for the
    # holder's data. The proof is the holder's, and whoever it is shown to matches it to the person.
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.ensure_default_catalog(JINAN)
    holder_id = resident_id()
    app.issue(JINAN, {"number": "1915010000000731", "holder_name": "刘建国", "gender": "男", "id_number": holder_id,
                      "occupation": "电工", "level": "三级", "theory_score": "81", "practical_score": "77",
                      "issue_date": "2019-06-28"})
    now = app.now()  # a draft names the office's key that may sign it: its record is enough here
    app.register_key(JINAN, "k-render", "Ed25519", "-", "-", now - timedelta(days=1), now + timedelta(days=1),
                     office="1501", publisher=lambda views, at: b"not-a-list-this-test-reads")
    draft = app.draft_proof(JINAN, "1915010000000731", ProofKind.WRITTEN, "lost")
    content = DocumentContent.of(draft.view, date(2026, 11, 22))
    text = text_of(renderer.render(content, verify_url("ledger")))
    assert "刘建国" in text and "1915010000000731" in text and "完全一致，真实有效" in text
    assert holder_id in text
    assert holder_id[:6] + "X" * 12 not in text
    assert "如有疑问，可登录山东省技能人才评价工作网或技能人才评价证书全国联网查询。" in text


def test_a_reissued_certificate_shows_its_remark_and_edition(renderer: Renderer) -> None:
    content = make_content("certificate", edition=2, remarks=("2026-11-20 遗失补发，沿用原证书编号",))
    text = text_of(renderer.render(content, verify_url("reissued")))
    assert "职业资格证书" in text and "遗失补发，沿用原证书编号" in text and "第2版" in text
    first = text_of(renderer.render(make_content("certificate"), verify_url("first")))
    assert "版次" not in first


def test_a_professional_certificate_has_its_own_title_and_management_number(renderer: Renderer) -> None:
    content = make_content("certificate", family="professional", occupation="一级建造师", specialty="建筑工程",
                           remarks=("补发",))
    text = text_of(renderer.render(content, verify_url("professional")))
    assert "专业技术人员职业资格证书" in text and "管理号" in text and "建筑工程" in text and "补发" in text


@pytest.mark.parametrize("kind", KINDS)
def test_the_qr_code_reads_back_as_the_exact_url_within_version_10(renderer: Renderer, kind: str) -> None:
    url = verify_url(kind, 247)  # 283 characters with the prefix
    assert len(url) == 283
    found = decode_qr(renderer.render(make_content(kind), url))
    assert [r.text for r in found] == [url]
    # zxing-cpp's reader reports the symbol's version in `extra`; libzint's segmentation (digits may go in numeric
    # mode) is never longer than segno's all-alphanumeric one.
    extra = cast(dict[str, Any], found[0].extra)
    assert int(extra["Version"]) <= 10 and found[0].ec_level == "M"
    assert int(extra["Version"]) <= segno.make(url, mode="alphanumeric", error="m", micro=False,
                                               boost_error=False).version


def modules_image(modules: list[bytes], scale: int = 4) -> Image.Image:
    """The modules as a black-on-white picture with a quiet zone of four modules."""
    n = len(modules) + 8
    image = Image.new("L", (n, n), 255)
    image.putdata([0 if (4 <= r < n - 4 and 4 <= c < n - 4 and modules[r - 4][c - 4]) else 255
                   for r in range(n) for c in range(n)])
    return image.resize((n * scale, n * scale), Image.NEAREST)


@pytest.mark.parametrize("letters", [1, 60, 200])
def test_the_modules_are_those_of_an_independent_encoder_with_the_same_mask(letters: int) -> None:
    # Letters only: one alphanumeric segment, whichever encoder. segno (written apart from libzint) then gives
    # the same modules bit for bit with the mask zxing's reader (a third implementation) finds in them.
    url = "HTTPS://VERIFY.CERTLEDGER.EXAMPLE/V/" + "".join(chr(65 + i * 7 % 26) for i in range(letters))
    modules = qr_modules(url)
    found = zxingcpp.read_barcodes(modules_image(modules), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in found] == [url]
    mask = int(cast(dict[str, Any], found[0].extra)["DataMask"])
    reference = segno.make(url, mode="alphanumeric", error="m", mask=mask, micro=False, boost_error=False)
    assert modules == [bytes(row) for row in reference.matrix]


def test_a_url_too_long_for_any_qr_version_is_refused_by_name() -> None:
    with pytest.raises(RenderError, match="cannot encode the verification URL as a QR code"):
        qr_modules("HTTPS://V.EXAMPLE/V/" + "A" * 5000)


def test_the_qr_code_survives_a_coarse_rendering(renderer: Renderer) -> None:
    url = verify_url("coarse", 247)
    assert [r.text for r in decode_qr(renderer.render(make_content(), url), dpi=100)] == [url]


def test_a_url_outside_the_alphanumeric_set_still_encodes(renderer: Renderer) -> None:
    url = "https://verify.certledger.example/v/" + "abc234" * 10
    assert [r.text for r in decode_qr(renderer.render(make_content(), url))] == [url]


def test_metadata_names_the_document_and_the_output_is_deterministic(renderer: Renderer) -> None:
    content = make_content("written")
    pdf = renderer.render(content, verify_url("meta"))
    meta = pypdf.PdfReader(BytesIO(pdf)).metadata
    assert meta is not None
    assert meta.subject == content.number
    assert meta.title is not None and content.title in meta.title
    assert meta.producer == "certledger"
    assert renderer.render(content, verify_url("meta")) == pdf
    assert renderer.render(replace(content, holder_name="王晓六"), verify_url("meta")) != pdf


def test_a_missing_font_is_a_clear_signing_error(tmp_path: Path) -> None:
    with pytest.raises(FontUnavailable, match="fonts-wqy-microhei") as caught:
        Renderer(tmp_path / "no-such-font.ttc")
    assert isinstance(caught.value, SigningError)
    bad = tmp_path / "not-a-font.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(FontUnavailable):
        Renderer(bad)


def test_a_character_the_font_lacks_is_refused_not_printed_as_a_box(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match=r"U\+20BB7"):
        renderer.render(make_content(holder_name="\U00020bb7明"), verify_url("rare"))


def test_an_unknown_kind_is_refused(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match="no layout"):
        renderer.render(replace(make_content(), kind="receipt"), verify_url("receipt"))


def test_cjk_wrapping_breaks_by_character_keeps_latin_runs_and_obeys_line_rules() -> None:
    text = written_attestation("overseas")
    width, size = 300.0, 12.0
    lines = wrap_cjk(text, width, size, indent=24)
    assert "".join(lines) == text
    assert len(lines) > 5
    for i, line in enumerate(lines):
        assert stringWidth(line, FONT_NAME, size) <= width - (24 if i == 0 else 0) + 0.01
        assert line[0] not in "，。、；：）》」〕”", line
        assert line[-1] not in "（《「〔“", line
    assert any("2018" in line for line in lines) and any("42号" in line for line in lines)
