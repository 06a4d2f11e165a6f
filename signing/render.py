"""One A4 page per document: written, score-pass and qualification proofs, electronic certificates.

Layout follows the proof template of seed 000 附件1. Drawn straight on a reportlab canvas (platypus
is several times slower); the CJK font is parsed once per Renderer and subsetted into each PDF.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

import segno
from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from signing.content import DocumentContent
from signing.errors import RenderError
from signing.fonts import FONT_NAME, load_font

# Binary (Flate only) streams: ASCII85 on top costs ~3 ms a page in pure Python and 25 % more bytes, and
# matters only to 7-bit transports. reportlab reads this global when it writes a file; only signing uses it.
rl_config.useA85 = 0

PAGE_W, PAGE_H = A4
INK = Color(0.08, 0.08, 0.08)
GREY = Color(0.38, 0.38, 0.38)
RULE = Color(0.2, 0.2, 0.2)
TINT = Color(0.955, 0.955, 0.955)
SEAL_RED = Color(0.85, 0.06, 0.08)
FRAME = Color(0.55, 0.12, 0.1)  # certificate border: a deep vermilion, like the printed paper editions
WATERMARK = Color(0.93, 0.88, 0.84)

QR_SIZE = 30 * mm
QR_CAPTION = "扫码验证 / Scan to verify"
PROFESSIONAL_CERTIFICATE_TITLE = "专业技术人员职业资格证书"
FOOTER_NOTE = "本文件为电子文件，经发证机构电子签章，转换或修改后无效；可扫描二维码或登录查询网址核验。"

# Chinese line breaking (禁则): these never start a line, those never end one.
_NO_START = set("，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}")
_NO_END = set("（《「『【〔〈“‘([{")
_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")  # QR alphanumeric mode, 5.5 bits/char
# Latin letters and digits stay together (a year, "42号", a URL); every CJK character may break.
_TOKENS = re.compile(r"[A-Za-z0-9@#&+=_./:%\-]+|\s+|.")


def _y(from_top_mm: float) -> float:
    """A baseline given in mm from the top edge, in reportlab's bottom-up points."""
    return PAGE_H - from_top_mm * mm


def chinese_date(d: date) -> str:
    """2026年11月22日: the form official documents print (no zero padding)."""
    return f"{d.year}年{d.month}月{d.day}日"


def wrap_cjk(text: str, width: float, size: float, *, indent: float = 0.0) -> list[str]:
    """Break text into lines no wider than width: by character, Latin runs kept whole, 禁则 respected."""
    def w(s: str) -> float:
        return stringWidth(s, FONT_NAME, size)

    tokens: list[str] = []
    for tok in _TOKENS.findall(text):
        if len(tok) > 1 and w(tok) > width - indent:
            tokens.extend(tok)  # a run longer than a line (a long URL) breaks anywhere
        else:
            tokens.append(tok)
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    avail = width - indent
    for tok in tokens:
        tw = w(tok)
        if line and used + tw > avail:
            carry: list[str] = []
            nxt = tok
            # Push characters down (推出) until the new line starts and the old one ends legally.
            while len(line) > 1 and (nxt[0] in _NO_START or line[-1][-1] in _NO_END):
                nxt = line.pop()
                carry.insert(0, nxt)
            lines.append("".join(line).rstrip())
            line, avail = carry, width
            used = sum(w(t) for t in line)
            if tok.isspace() and not line:
                continue  # no leading blank on a new line
        line.append(tok)
        used += tw
    if line:
        lines.append("".join(line).rstrip())
    return lines


@dataclass(frozen=True)
class Cell:
    """One table cell: a label (shaded, spread out) or a value, spanning some columns."""

    text: str
    span: int = 1
    label: bool = False


class Renderer:
    """Renders DocumentContent to a one-page A4 PDF; loads the CJK font once."""

    def __init__(self, font_path: str | Path | None = None) -> None:
        self.font = load_font(font_path)

    # ------------------------------------------------------------------ API
    def render(self, content: DocumentContent, qr_url: str) -> bytes:
        """The PDF of one document, carrying a QR code for qr_url."""
        if content.kind not in ("written", "score-pass", "qualification", "certificate"):
            raise RenderError(f"no layout for document kind {content.kind!r}")
        self._check_glyphs(content)
        qr = self._qr(qr_url)
        out = BytesIO()
        # invariant=1: no creation date or random document ID, so one input gives one file.
        c = Canvas(out, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT_NAME,
                   initialFontSize=12, lang="zh-CN")
        title = self._title(content)
        c.setTitle(f"{title} {content.number}")
        c.setSubject(content.number)
        c.setAuthor(content.authority_office)
        c.setCreator("certledger")
        c.setProducer("certledger")
        if content.kind == "certificate":
            self._certificate(c, content, title)
        else:
            self._proof(c, content, title)
        self._draw_qr(c, qr, PAGE_W - 20 * mm - QR_SIZE, 26 * mm)
        c.showPage()
        c.save()
        return out.getvalue()

    def _check_glyphs(self, content: DocumentContent) -> None:
        """Refuse a character the font cannot show (a rare name character): never print a blank box."""
        texts = [content.holder_name, content.gender, content.id_masked, content.certificate_number, content.number,
                 content.occupation, content.level, content.specialty, content.result, content.authority_office,
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
        self._text(c, PAGE_W - 20 * mm, _y(14), f"证明编号：{content.number}", 9, align="right", color=GREY)
        self._bold(c, PAGE_W / 2, _y(36), title, 22, space=3)

        bottom = self._table(c, left, _y(46), [27 * mm, 53 * mm, 27 * mm, 53 * mm], self._rows(content))

        size, leading = 12, 22
        y = bottom - 11 * mm
        y = self._paragraph(c, content.attestation, left, y, right - left, size, leading, indent=2 * size)

        y -= 4 * mm
        label = "查询网址："
        lw = stringWidth(label, FONT_NAME, size)
        for i, url in enumerate(content.lookup_urls):
            if i == 0:
                self._text(c, left, y, label, size)
            self._text(c, left + lw, y, url, size)
            y -= leading
        self._text(c, left, y, f"证明出具单位咨询电话：{content.authority_phone}", size)

        # The issuing unit's name and the date, the seal over both (seed 000 附件1: 发证机构章, date).
        # Left of the QR code's column, so a long attestation never pushes the seal onto the code.
        cx = PAGE_W - 72 * mm
        name_y = max(y - 20 * mm, 45 * mm)
        self._text(c, cx, name_y, content.authority_office, 13, align="centre")
        self._text(c, cx, name_y - 9 * mm, chinese_date(content.document_date), 13, align="centre")
        self._seal(c, cx, name_y - 2 * mm, content.authority_office, "证明专用章")
        self._footer(c, content)

    def _rows(self, content: DocumentContent) -> list[list[Cell]]:
        """The bordered table: the seed 000 附件1 fields, or the professional fields (管理号, 专业, 批准日期)."""
        rows = [
            [Cell("姓名", label=True), Cell(content.holder_name), Cell("性别", label=True), Cell(content.gender)],
        ]
        if content.family == "professional":
            rows += [
                [Cell("身份证号", label=True), Cell(content.id_masked),
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
                [Cell("身份证号", label=True), Cell(content.id_masked),
                 Cell("证书编号", label=True), Cell(content.certificate_number)],
                [Cell("职业\n（工种）", label=True), Cell(content.occupation),
                 Cell("等级", label=True), Cell(content.level)],
                [Cell(scores, span=4)],
                [Cell("评定成绩", label=True), Cell(content.result),
                 Cell("发证日期", label=True), Cell(chinese_date(content.issue_date))],
            ]
        rows.append([Cell("发证机构", label=True), Cell(content.authority_office, span=3)])
        return rows

    def _footer(self, c: Canvas, content: DocumentContent) -> None:
        c.saveState()
        c.setStrokeColor(GREY)
        c.setLineWidth(0.4)
        c.line(20 * mm, 17 * mm, PAGE_W - 20 * mm, 17 * mm)
        c.restoreState()
        self._text(c, 20 * mm, 12 * mm, FOOTER_NOTE, 7.5, color=GREY)
        self._text(c, PAGE_W - 20 * mm, 12 * mm, content.number, 7.5, align="right", color=GREY)

    # ----------------------------------------------------------- certificate
    def _certificate(self, c: Canvas, content: DocumentContent, title: str) -> None:
        self._frame(c)
        self._rosette(c, PAGE_W / 2, _y(150), 42 * mm)
        professional = content.family == "professional"
        number_label = "管理号" if professional else "证书编号"
        self._text(c, PAGE_W - 24 * mm, _y(22), f"{number_label}：{content.number}", 9, align="right", color=GREY)
        self._bold(c, PAGE_W / 2, _y(46), title, 24 if professional else 30, space=4 if professional else 8,
                   color=FRAME)
        english = ("Certificate of Qualification for Professional and Technical Personnel" if professional
                   else "Certificate of Vocational Qualification")
        self._text(c, PAGE_W / 2, _y(55), english, 11, align="centre", color=GREY)

        left, right = 32 * mm, PAGE_W - 32 * mm
        mid = (left + right) / 2 + 4 * mm
        fields: list[Sequence[tuple[str, str]]] = [
            [("姓名", content.holder_name), ("性别", content.gender)],
            [("身份证号", content.id_masked)],
        ]
        if professional:
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

        # 备注栏: a reissue carries its remark here (人社厅发〔2018〕42号: 补发, original number kept).
        box_top = y + 4 * mm
        remarks = [line for r in content.remarks for line in wrap_cjk(r, right - left - 30 * mm, 11)]
        box_h = max(20 * mm, (len(remarks) + 1) * 7 * mm)
        c.saveState()
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.rect(left, box_top - box_h, right - left, box_h, stroke=1, fill=0)
        c.line(left + 22 * mm, box_top - box_h, left + 22 * mm, box_top)
        c.restoreState()
        self._text(c, left + 11 * mm, box_top - box_h / 2 - 4, "备  注", 12, align="centre")
        ry = box_top - box_h / 2 + (len(remarks) - 1) * 3.5 * mm - 4
        for line in remarks:
            self._text(c, left + 27 * mm, ry, line, 11)
            ry -= 7 * mm

        # Issuing authority, date, seal at the foot, left of the QR code.
        cx = PAGE_W / 2 - 18 * mm
        name_y = _y(230)
        self._text(c, cx, name_y, content.authority_office, 13, align="centre")
        self._text(c, cx, name_y - 9 * mm, chinese_date(content.document_date), 13, align="centre")
        self._seal(c, cx, name_y - 2 * mm, content.authority_office, "证书专用章")
        if content.lookup_urls:
            self._text(c, 24 * mm, 22 * mm, "查询网址：" + "  ".join(content.lookup_urls), 8, color=GREY)
        self._text(c, 24 * mm, 17 * mm, FOOTER_NOTE, 7, color=GREY)

    def _field(self, c: Canvas, x0: float, x1: float, y: float, label: str, value: str, label_w: float) -> None:
        """A certificate field: its label (short ones spread to four characters), the value on a rule."""
        self._spread(c, x0, y, label, 11, max(stringWidth(label, FONT_NAME, 11), 4 * 11), color=GREY)
        vx = x0 + label_w + 3 * mm
        size = self._fit(value, 14, x1 - vx - 3 * mm)
        self._text(c, vx + 2 * mm, y, value, size)
        c.saveState()
        c.setStrokeColor(GREY)
        c.setLineWidth(0.5)
        c.line(vx, y - 2.2 * mm, x1, y - 2.2 * mm)
        c.restoreState()

    @staticmethod
    def _frame(c: Canvas) -> None:
        c.saveState()
        c.setStrokeColor(FRAME)
        c.setLineWidth(2.4)
        c.rect(10 * mm, 10 * mm, PAGE_W - 20 * mm, PAGE_H - 20 * mm)
        c.setLineWidth(0.7)
        c.rect(13 * mm, 13 * mm, PAGE_W - 26 * mm, PAGE_H - 26 * mm)
        # Corner ornaments: small squares set diagonally, as printed certificates have.
        c.setFillColor(FRAME)
        for x, y in ((13, 13), (PAGE_W / mm - 13, 13), (13, PAGE_H / mm - 13), (PAGE_W / mm - 13, PAGE_H / mm - 13)):
            c.saveState()
            c.translate(x * mm, y * mm)
            c.rotate(45)
            c.rect(-2.2 * mm, -2.2 * mm, 4.4 * mm, 4.4 * mm, stroke=0, fill=1)
            c.restoreState()
        c.restoreState()

    @staticmethod
    def _rosette(c: Canvas, cx: float, cy: float, r: float) -> None:
        """A faint guilloche-like rosette behind the fields: circles round a centre (cheap Bézier arcs)."""
        c.saveState()
        c.setStrokeColor(WATERMARK)
        c.setLineWidth(0.5)
        path = c.beginPath()
        for i in range(36):
            a = i * math.pi / 18
            path.circle(cx + r / 2 * math.cos(a), cy + r / 2 * math.sin(a), r / 2)
        c.drawPath(path, stroke=1, fill=0)
        c.restoreState()

    # ----------------------------------------------------------- primitives
    @staticmethod
    def _text(c: Canvas, x: float, y: float, s: str, size: float, *, align: str = "left",
              color: Color = INK) -> None:
        c.setFillColor(color)
        c.setFont(FONT_NAME, size)
        if align == "centre":
            c.drawCentredString(x, y, s)
        elif align == "right":
            c.drawRightString(x, y, s)
        else:
            c.drawString(x, y, s)

    @staticmethod
    def _bold(c: Canvas, cx: float, y: float, s: str, size: float, *, space: float = 0.0,
              color: Color = INK) -> None:
        """A centred heading; WenQuanYi has no bold face, so fill and stroke the glyphs (render mode 2)."""
        width = stringWidth(s, FONT_NAME, size) + space * (len(s) - 1)
        t = c.beginText(cx - width / 2, y)
        t.setFont(FONT_NAME, size)
        t.setCharSpace(space)
        t.setTextRenderMode(2)
        c.saveState()
        c.setFillColor(color)
        c.setStrokeColor(color)
        c.setLineWidth(size * 0.035)
        t.textOut(s)
        c.drawText(t)
        c.restoreState()

    @staticmethod
    def _spread(c: Canvas, x: float, y: float, s: str, size: float, width: float, *,
                color: Color = INK) -> None:
        """Spread a short label over width (分散对齐): 姓  名 as wide as 身份证号."""
        natural = stringWidth(s, FONT_NAME, size)
        space = (width - natural) / (len(s) - 1) if len(s) > 1 and width > natural else 0.0
        c.saveState()  # Tc (character spacing) is graphics state: keep it from leaking into later text
        t = c.beginText(x, y)
        t.setFont(FONT_NAME, size)
        t.setCharSpace(space)
        c.setFillColor(color)
        t.textOut(s)
        c.drawText(t)
        c.restoreState()

    @staticmethod
    def _fit(s: str, size: float, width: float, smallest: float = 7.0) -> float:
        """The largest font size up to size at which s fits width."""
        natural = stringWidth(s, FONT_NAME, size)
        return size if natural <= width else max(smallest, size * width / natural)

    def _table(self, c: Canvas, x: float, top: float, widths: Sequence[float], rows: Sequence[Sequence[Cell]]) -> float:
        """Draw a bordered form table; return the y of its bottom edge."""
        label_w = 4 * 11.5  # every label as wide as four characters
        heights = [14 * mm if any("\n" in cell.text for cell in row) else 12 * mm for row in rows]
        total = sum(widths)
        # Pass 1, shading and text; pass 2, the rules on top (a later row's shading would hide half a rule).
        y = top
        for row, h in zip(rows, heights, strict=True):
            cx, col = x, 0
            for cell in row:
                w = sum(widths[col:col + cell.span])
                if cell.label:
                    c.setFillColor(TINT)
                    c.rect(cx, y - h, w, h, stroke=0, fill=1)
                    lines = cell.text.split("\n")
                    if len(lines) == 1:
                        self._spread(c, cx + (w - label_w) / 2, y - h / 2 - 4, cell.text, 11.5, label_w)
                    else:
                        for i, line in enumerate(lines):
                            ly = y - h / 2 + (len(lines) / 2 - i - 0.75) * 15
                            self._text(c, cx + w / 2, ly, line, 11.5, align="centre")
                else:
                    self._cell_value(c, cx, y, w, h, cell.text)
                cx += w
                col += cell.span
            y -= h
        c.saveState()
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        path = c.beginPath()
        y = top
        for i, (row, h) in enumerate(zip(rows, heights, strict=True)):
            cx, col = x, 0
            for cell in row[:-1]:
                cx += sum(widths[col:col + cell.span])
                col += cell.span
                path.moveTo(cx, y)
                path.lineTo(cx, y - h)
            y -= h
            if i < len(rows) - 1:
                path.moveTo(x, y)
                path.lineTo(x + total, y)
        c.drawPath(path, stroke=1, fill=0)
        c.setLineWidth(1.2)  # a heavier outer border, as printed forms have
        c.rect(x, y, total, top - y, stroke=1, fill=0)
        c.restoreState()
        return y

    def _cell_value(self, c: Canvas, x: float, top: float, w: float, h: float, text: str) -> None:
        """A value centred in its cell: on one line if it fits, else on two smaller lines, else shrunk."""
        room = w - 4 * mm
        if stringWidth(text, FONT_NAME, 12.5) <= room:
            self._text(c, x + w / 2, top - h / 2 - 12.5 * 0.35, text, 12.5, align="centre")
            return
        lines = wrap_cjk(text, room, 11)
        if len(lines) == 2:
            for i, line in enumerate(lines):
                self._text(c, x + w / 2, top - h / 2 + (0.5 - i) * 13 - 11 * 0.35, line, 11, align="centre")
            return
        size = self._fit(text, 12.5, room)
        self._text(c, x + w / 2, top - h / 2 - size * 0.35, text, size, align="centre")

    def _paragraph(self, c: Canvas, text: str, x: float, y: float, width: float, size: float, leading: float,
                   *, indent: float = 0.0) -> float:
        """Draw justified CJK text from baseline y; return the baseline after the last line."""
        c.saveState()
        c.setFillColor(INK)
        for paragraph in text.splitlines():
            y = self._lines(c, wrap_cjk(paragraph, width, size, indent=indent), x, y, width, size, leading, indent)
        c.restoreState()
        return y

    @staticmethod
    def _lines(c: Canvas, lines: list[str], x: float, y: float, width: float, size: float, leading: float,
               indent: float) -> float:
        for i, line in enumerate(lines):
            x0 = x + (indent if i == 0 else 0.0)
            avail = width - (indent if i == 0 else 0.0)
            natural = stringWidth(line, FONT_NAME, size)
            space = 0.0
            if i < len(lines) - 1 and len(line) > 1:
                space = (avail - natural) / (len(line) - 1)
                if space > size * 0.25:
                    space = 0.0  # a line cut short by a long Latin run: leave it ragged, not gappy
            t = c.beginText(x0, y)
            t.setFont(FONT_NAME, size)
            t.setCharSpace(space)
            t.textOut(line)
            c.drawText(t)
            y -= leading
        return y

    def _seal(self, c: Canvas, cx: float, cy: float, office: str, purpose: str, r: float = 20 * mm) -> None:
        """A round official seal: ring, five-pointed star, the office name along the upper arc, its purpose below."""
        c.saveState()
        c.setFillColor(SEAL_RED)
        c.setStrokeColor(SEAL_RED)
        c.setFillAlpha(0.82)
        c.setStrokeAlpha(0.82)
        c.setBlendMode("Multiply")  # red ink over black type: the type stays legible, as on paper
        ring = 1.2 * mm
        c.setLineWidth(ring)
        c.circle(cx, cy, r - ring / 2, stroke=1, fill=0)
        c.setLineWidth(0.25 * mm)  # the stroke that thickens the seal's type

        star_r = r * 0.27
        path = c.beginPath()
        for k in range(10):
            a = math.pi / 2 + k * math.pi / 5
            rr = star_r if k % 2 == 0 else star_r * 0.382
            px, py = cx + rr * math.cos(a), cy + rr * math.sin(a)
            if k == 0:
                path.moveTo(px, py)
            else:
                path.lineTo(px, py)
        path.close()
        c.drawPath(path, stroke=0, fill=1)

        # The name fills 200-240 degrees of the upper arc, as on a real seal; long names get smaller type.
        n = max(len(office), 1)
        span = math.radians(min(240, 120 + 10 * n) if n >= 4 else 40 * n)
        size = 6.0 * mm
        for _ in range(3):  # the type size sets the text radius, which sets the room per character
            text_r = r - ring - 0.8 * mm - size * 0.5
            size = min(6.0 * mm, max(2.6 * mm, span * text_r / n * 0.86))
        text_r = r - ring - 0.8 * mm - size * 0.5
        for i, ch in enumerate(office):
            a = math.pi / 2 + span / 2 - (span * i / (n - 1) if n > 1 else span / 2)
            c.saveState()
            c.translate(cx + text_r * math.cos(a), cy + text_r * math.sin(a))
            c.rotate(math.degrees(a) - 90)
            t = c.beginText()
            t.setFont(FONT_NAME, size)
            t.setHorizScale(82)  # seal type is set tall and narrow, and heavy: fill and stroke
            t.setTextRenderMode(2)
            t.setTextOrigin(-stringWidth(ch, FONT_NAME, size) * 0.41, -size * 0.36)
            t.textOut(ch)
            c.drawText(t)
            c.restoreState()

        psize = 3.2 * mm
        c.setLineWidth(0.1 * mm)
        t = c.beginText()
        t.setFont(FONT_NAME, psize)
        t.setHorizScale(90)
        t.setTextRenderMode(2)
        t.setTextOrigin(cx - stringWidth(purpose, FONT_NAME, psize) * 0.45, cy - r * 0.62)
        t.textOut(purpose)
        c.drawText(t)
        c.restoreState()

    # --------------------------------------------------------------------- QR
    @staticmethod
    def _qr(url: str) -> list[bytes]:
        """QR modules of url: alphanumeric mode, level M, fixed mask (choosing one is 80 % of segno's time)."""
        try:
            mode = "alphanumeric" if set(url) <= _ALPHANUMERIC else None  # else segno picks byte mode
            qr = segno.make(url, mode=mode, error="m", mask=0, micro=False, boost_error=False)
        except (segno.DataOverflowError, ValueError) as e:
            raise RenderError(f"cannot encode the verification URL as a QR code: {e}") from None
        return [bytes(row) for row in qr.matrix]

    @staticmethod
    def _draw_qr(c: Canvas, matrix: list[bytes], x: float, y: float) -> None:
        """Draw the modules as one filled path of horizontal runs, with its caption below."""
        n = len(matrix)
        # Scaled to one unit per module, rows downwards, every coordinate is a small integer: the operators
        # are written directly (path.rect formats each float in Python, the bulk of a render's time).
        ops: list[str] = []
        for r, row in enumerate(matrix):
            start = -1
            for col, dark in enumerate(row):
                if dark and start < 0:
                    start = col
                elif not dark and start >= 0:
                    ops.append(f"{start} {r} {col - start} 1 re")
                    start = -1
            if start >= 0:
                ops.append(f"{start} {r} {n - start} 1 re")
        c.saveState()
        c.translate(x, y + QR_SIZE)
        c.scale(QR_SIZE / n, -QR_SIZE / n)
        c.setFillColor(Color(0, 0, 0))
        c.addLiteral("\n".join(ops) + "\nf")
        c.restoreState()
        Renderer._text(c, x + QR_SIZE / 2, y - 4.5 * mm, QR_CAPTION, 8, align="centre", color=GREY)
