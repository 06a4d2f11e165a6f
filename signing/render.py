"""One A4 page per document: written, score-pass and qualification proofs, electronic certificates.

Layout follows the proof template of seed 000 附件1. Drawn straight on a reportlab canvas (platypus
is several times slower); the CJK font is parsed once per process (signing.fonts) and subsetted into
each PDF, the characters a layout prints on every page in subsets cut once (signing.font_subsets).
The type and tables are signing.layout's, the seal, frame and QR code signing.ornaments'.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from signing.content import DocumentContent
from signing.errors import RenderError
from signing.font_subsets import KeptSubsets
from signing.fonts import FONT_NAME, load_font, use_font
from signing.layout import (
    FRAME,
    GREY,
    INK,
    PAGE_H,
    PAGE_W,
    RULE,
    SEAL_RED,
    TINT,
    WATERMARK,
    Cell,
    chinese_date,
    draw_bold,
    draw_paragraph,
    draw_spread,
    draw_table,
    draw_text,
    fit_size,
    wrap_cjk,
)
from signing.ornaments import (
    QR_BOTTOM,
    QR_CAPTION,
    QR_RIGHT,
    QR_SIZE,
    draw_frame,
    draw_qr,
    draw_rosette,
    draw_seal,
    qr_modules,
)

__all__ = [
    "FOOTER_NOTE", "FRAME", "GREY", "INK", "PAGE_H", "PAGE_W", "PROFESSIONAL_CERTIFICATE_TITLE", "QR_CAPTION",
    "QR_SIZE", "RULE", "SEAL_RED", "TINT", "WATERMARK", "Cell", "Renderer", "chinese_date", "wrap_cjk",
]

# Binary (Flate only) streams: ASCII85 on top costs ~3 ms a page in pure Python and 25 % more bytes, and
# matters only to 7-bit transports. reportlab reads this global when it writes a file; only signing uses it.
rl_config.useA85 = 0

PROFESSIONAL_CERTIFICATE_TITLE = "专业技术人员职业资格证书"
FOOTER_NOTE = "本文件为电子文件，经发证机构电子签章，转换或修改后无效；可扫描二维码或登录查询网址核验。"


def _y(from_top_mm: float) -> float:
    """A baseline given in mm from the top edge, in reportlab's bottom-up points."""
    return PAGE_H - from_top_mm * mm


class Renderer:
    """Renders DocumentContent to a one-page A4 PDF; loads the CJK font once."""

    def __init__(self, font_path: str | Path | None = None) -> None:
        self.font = load_font(font_path)
        self._subsets = KeptSubsets.of(self.font)
        self._layouts: dict[tuple[str, str], str] = {}  # (kind, family) -> the layout's own characters

    # ------------------------------------------------------------------ API
    def render(self, content: DocumentContent, qr_url: str) -> bytes:
        """The PDF of one document, carrying a QR code for qr_url."""
        if content.kind not in ("written", "score-pass", "qualification", "certificate"):
            raise RenderError(f"no layout for document kind {content.kind!r}")
        self._check_glyphs(content)
        qr = qr_modules(qr_url)
        out = BytesIO()
        use_font(self.font)  # this renderer's, should another have registered its own since
        c = self._canvas(out, content)
        self._subsets.seed(c._doc, self._layout_characters(content.kind, content.family))
        self._draw(c, content, qr)
        c.showPage()
        c.save()
        return out.getvalue()

    def _canvas(self, out: BytesIO, content: DocumentContent) -> Canvas:
        # invariant=1: no creation date or random document ID, so one input gives one file.
        c = Canvas(out, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT_NAME,
                   initialFontSize=12, lang="zh-CN")
        c.setTitle(f"{self._title(content)} {content.number}")
        c.setSubject(content.number)
        c.setAuthor(content.authority_office)
        c.setCreator("certledger")
        c.setProducer("certledger")
        return c

    def _draw(self, c: Canvas, content: DocumentContent, qr: list[bytes]) -> None:
        if content.kind == "certificate":
            self._certificate(c, content, self._title(content))
        else:
            self._proof(c, content, self._title(content))
        draw_qr(c, qr, PAGE_W - QR_RIGHT - QR_SIZE, QR_BOTTOM)

    def _layout_characters(self, kind: str, family: str) -> str:
        """The characters beyond ASCII a page of this layout prints whatever its data, in the order it draws
        them: those of a placeholder document drawn once on a canvas that is never saved."""
        known = self._layouts.get((kind, family))
        if known is None:
            probe = DocumentContent.placeholder(kind, family)
            c = self._canvas(BytesIO(), probe)  # render() made this renderer's font the one drawn
            self._draw(c, probe, [b"\x01"])
            assigned = sorted(self.font.state[c._doc].assignments.items(), key=lambda item: item[1])
            known = self._layouts[(kind, family)] = "".join(chr(code) for code, _ in assigned if code >= 128)
        return known

    def _check_glyphs(self, content: DocumentContent) -> None:
        """Refuse a character the font cannot show (a rare name character): never print a blank box."""
        texts = [content.holder_name, content.gender, content.id_number, content.certificate_number, content.number,
                 content.occupation, content.level, content.specialty, content.result, content.authority_office,
                 content.authority_department,
                 content.authority_phone, content.attestation, *content.lookup_urls, *content.remarks]
        known = self.font.face.charToGlyph
        missing = sorted({ch for text in texts for ch in text if ord(ch) not in known and not ch.isspace()})
        if missing:
            raise RenderError(f"the font has no glyph for {''.join(missing)!r} "
                              f"({', '.join(f'U+{ord(ch):04X}' for ch in missing)}); use a font that covers them")

    @staticmethod
    def _title(content: DocumentContent) -> str:
        if content.kind == "certificate" and content.family == "professional":
            return PROFESSIONAL_CERTIFICATE_TITLE
        return content.title

    # ---------------------------------------------------------------- proofs
    def _proof(self, c: Canvas, content: DocumentContent, title: str) -> None:
        left, right = 25 * mm, PAGE_W - 25 * mm
        draw_text(c, PAGE_W - 20 * mm, _y(14), f"证明编号：{content.number}", 9, align="right", color=GREY)
        draw_bold(c, PAGE_W / 2, _y(36), title, 22, space=3)

        bottom = draw_table(c, left, _y(46), [27 * mm, 53 * mm, 27 * mm, 53 * mm], self._rows(content))

        size, leading = 12, 22
        y = bottom - 11 * mm
        y = draw_paragraph(c, content.attestation, left, y, right - left, size, leading, indent=2 * size)

        y -= 4 * mm
        label = "查询网址："
        lw = stringWidth(label, FONT_NAME, size)
        for i, url in enumerate(content.lookup_urls):
            if i == 0:
                draw_text(c, left, y, label, size)
            draw_text(c, left + lw, y, url, size)
            y -= leading
        draw_text(c, left, y, f"证明出具单位：{content.authority_office}", size)
        if content.authority_phone:  # a centre the seeds give no phone (山东省人事考试中心): no empty label
            y -= leading
            draw_text(c, left, y, f"证明出具单位咨询电话：{content.authority_phone}", size)

        # The date under the seal (seed 000 附件1: 发证机构章, date). A written proof bears the issuing
        # department's seal (发证机构章), the other proofs the issuing unit's. Left of the QR code's column,
        # so a long attestation never pushes the seal onto the code.
        cx = PAGE_W - 72 * mm
        name_y = max(y - 20 * mm, 45 * mm)
        sealed_by = self._issuer(content)
        draw_text(c, cx, name_y, sealed_by, 13, align="centre")
        draw_text(c, cx, name_y - 9 * mm, chinese_date(content.document_date), 13, align="centre")
        if content.kind == "written":
            draw_seal(c, cx, name_y - 2 * mm, sealed_by, "")
        else:
            draw_seal(c, cx, name_y - 2 * mm, content.authority_office, "证明专用章")
        self._footer(c, content)

    @staticmethod
    def _issuer(content: DocumentContent) -> str:
        """发证机构 as the written proof names it: the issuing 人力资源社会保障部门 (seed 000 附件1)."""
        if content.kind == "written" and content.authority_department:
            return content.authority_department
        return content.authority_office

    def _rows(self, content: DocumentContent) -> list[list[Cell]]:
        """The bordered table: the seed 000 附件1 fields, or the professional fields (管理号, 专业, 批准日期)."""
        rows = [
            [Cell("姓名", label=True), Cell(content.holder_name), Cell("性别", label=True), Cell(content.gender)],
        ]
        if content.family == "professional":
            rows += [
                [Cell("身份证号", label=True), Cell(content.id_number),
                 Cell("管理号", label=True), Cell(content.certificate_number)],
                [Cell("资格名称", label=True), Cell(content.occupation, span=3)],
                [Cell("级别", label=True), Cell(content.level or "—"),
                 Cell("专业", label=True), Cell(content.specialty or "—")],
                [Cell("批准日期", label=True), Cell(chinese_date(content.issue_date)),
                 Cell("评定成绩", label=True), Cell(content.result or "合格")],
            ]
        else:
            scores = (f"理论知识考试成绩：{content.theory_score or '—'}　　"
                      f"操作技能考试成绩：{content.practical_score or '—'}　　"
                      f"综合评审成绩：{content.review_score or '—'}")
            rows += [
                [Cell("身份证号", label=True), Cell(content.id_number),
                 Cell("证书编号", label=True), Cell(content.certificate_number)],
                [Cell("职业\n（工种）", label=True), Cell(content.occupation),
                 Cell("等级", label=True), Cell(content.level)],
                [Cell(scores, span=4)],
                [Cell("评定成绩", label=True), Cell(content.result),
                 Cell("发证日期", label=True), Cell(chinese_date(content.issue_date))],
            ]
        rows.append([Cell("发证机构", label=True), Cell(self._issuer(content), span=3)])
        return rows

    def _footer(self, c: Canvas, content: DocumentContent) -> None:
        c.saveState()
        c.setStrokeColor(GREY)
        c.setLineWidth(0.4)
        c.line(20 * mm, 17 * mm, PAGE_W - 20 * mm, 17 * mm)
        c.restoreState()
        draw_text(c, 20 * mm, 12 * mm, FOOTER_NOTE, 7.5, color=GREY)
        draw_text(c, PAGE_W - 20 * mm, 12 * mm, content.number, 7.5, align="right", color=GREY)

    # ----------------------------------------------------------- certificate
    def _certificate(self, c: Canvas, content: DocumentContent, title: str) -> None:
        draw_frame(c)
        draw_rosette(c, PAGE_W / 2, _y(150), 42 * mm)
        professional = content.family == "professional"
        number_label = "管理号" if professional else "证书编号"
        draw_text(c, PAGE_W - 24 * mm, _y(22), f"{number_label}：{content.number}", 9, align="right", color=GREY)
        draw_bold(c, PAGE_W / 2, _y(46), title, 24 if professional else 30, space=4 if professional else 8,
                   color=FRAME)
        english = ("Certificate of Qualification for Professional and Technical Personnel" if professional
                   else "Certificate of Vocational Qualification")
        draw_text(c, PAGE_W / 2, _y(55), english, 11, align="centre", color=GREY)
        left, right = 32 * mm, PAGE_W - 32 * mm
        y = self._certificate_fields(c, _certificate_fields(content, number_label), left, right)
        self._remarks_box(c, content.remarks, left, right, y + 4 * mm)

        # Issuing authority, date, seal at the foot, left of the QR code.
        cx = PAGE_W / 2 - 18 * mm
        name_y = _y(230)
        draw_text(c, cx, name_y, content.authority_office, 13, align="centre")
        draw_text(c, cx, name_y - 9 * mm, chinese_date(content.document_date), 13, align="centre")
        draw_seal(c, cx, name_y - 2 * mm, content.authority_office, "证书专用章")
        if content.lookup_urls:
            draw_text(c, 24 * mm, 22 * mm, "查询网址：" + "  ".join(content.lookup_urls), 8, color=GREY)
        draw_text(c, 24 * mm, 17 * mm, FOOTER_NOTE, 7, color=GREY)

    def _certificate_fields(self, c: Canvas, fields: Sequence[Sequence[tuple[str, str]]], left: float,
                            right: float) -> float:
        """The certificate's field lines from 78 mm down; returns the baseline below the last."""
        mid = (left + right) / 2 + 4 * mm
        y = _y(78)
        label_w = stringWidth("职业（工种）", FONT_NAME, 11)  # one label column, so the values line up
        for row in fields:
            if len(row) == 3:  # the three scores share a line, each label at its natural width
                third = (right - left) / 3
                for i, (label, value) in enumerate(row):
                    x0 = left + i * third
                    self._field(c, x0, x0 + third - 5 * mm, y, label, value, stringWidth(label, FONT_NAME, 11))
            else:
                spots = [(left, right)] if len(row) == 1 else [(left, mid - 8 * mm), (mid, right)]
                for (label, value), (x0, x1) in zip(row, spots, strict=False):
                    self._field(c, x0, x1, y, label, value, label_w)
            y -= 14 * mm
        return y

    @staticmethod
    def _remarks_box(c: Canvas, remarks_text: Sequence[str], left: float, right: float, box_top: float) -> None:
        """备注栏: a reissue carries its remark here (人社厅发〔2018〕42号: 补发, original number kept)."""
        remarks = [line for r in remarks_text for line in wrap_cjk(r, right - left - 30 * mm, 11)]
        box_h = max(20 * mm, (len(remarks) + 1) * 7 * mm)
        c.saveState()
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.rect(left, box_top - box_h, right - left, box_h, stroke=1, fill=0)
        c.line(left + 22 * mm, box_top - box_h, left + 22 * mm, box_top)
        c.restoreState()
        draw_text(c, left + 11 * mm, box_top - box_h / 2 - 4, "备  注", 12, align="centre")
        ry = box_top - box_h / 2 + (len(remarks) - 1) * 3.5 * mm - 4
        for line in remarks:
            draw_text(c, left + 27 * mm, ry, line, 11)
            ry -= 7 * mm

    def _field(self, c: Canvas, x0: float, x1: float, y: float, label: str, value: str, label_w: float) -> None:
        """A certificate field: its label (short ones spread to four characters), the value on a rule."""
        draw_spread(c, x0, y, label, 11, max(stringWidth(label, FONT_NAME, 11), 4 * 11), color=GREY)
        vx = x0 + label_w + 3 * mm
        size = fit_size(value, 14, x1 - vx - 3 * mm)
        draw_text(c, vx + 2 * mm, y, value, size)
        c.saveState()
        c.setStrokeColor(GREY)
        c.setLineWidth(0.5)
        c.line(vx, y - 2.2 * mm, x1, y - 2.2 * mm)
        c.restoreState()


def _certificate_fields(content: DocumentContent, number_label: str) -> list[Sequence[tuple[str, str]]]:
    """The certificate's (label, value) lines: a skill certificate's scores, a professional one's approval."""
    fields: list[Sequence[tuple[str, str]]] = [
        [("姓名", content.holder_name), ("性别", content.gender)],
        [("身份证号", content.id_number)],
    ]
    if content.family == "professional":
        fields += [
            [("资格名称", content.occupation)],
            [("级别", content.level or "—"), ("专业", content.specialty or "—")],
            [("批准日期", chinese_date(content.issue_date)), ("评定成绩", content.result or "合格")],
        ]
    else:
        fields += [
            [("职业（工种）", content.occupation), ("等级", content.level)],
            [("理论知识考试成绩", content.theory_score or "—"),
             ("操作技能考试成绩", content.practical_score or "—"),
             ("综合评审成绩", content.review_score or "—")],
            [("评定成绩", content.result), ("发证日期", chinese_date(content.issue_date))],
        ]
    edition = f"第 {content.edition} 版" if content.edition > 1 else ""
    fields.append([(number_label, content.certificate_number)] + ([("版次", edition)] if edition else []))
    return fields
