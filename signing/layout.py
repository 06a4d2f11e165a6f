"""The page's type and tables: colours, CJK line breaking, text, form tables and justified paragraphs.

Drawn straight on a reportlab canvas in the CJK font (signing.fonts); signing.render lays the pages out with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from signing.fonts import FONT_NAME

PAGE_W, PAGE_H = A4
INK = Color(0.08, 0.08, 0.08)
GREY = Color(0.38, 0.38, 0.38)
RULE = Color(0.2, 0.2, 0.2)
TINT = Color(0.955, 0.955, 0.955)
SEAL_RED = Color(0.85, 0.06, 0.08)
FRAME = Color(0.55, 0.12, 0.1)  # certificate border: a deep vermilion, like the printed paper editions
WATERMARK = Color(0.93, 0.88, 0.84)

# Chinese line breaking (禁则): these never start a line, those never end one.
_NO_START = set("，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}")
_NO_END = set("（《「『【〔〈“‘([{")
# Latin letters and digits stay together (a year, "42号", a URL); every CJK character may break.
_TOKENS = re.compile(r"[A-Za-z0-9@#&+=_./:%\-]+|\s+|.")


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


def draw_text(c: Canvas, x: float, y: float, s: str, size: float, *, align: str = "left",
              color: Color = INK) -> None:
    c.setFillColor(color)
    c.setFont(FONT_NAME, size)
    if align == "centre":
        c.drawCentredString(x, y, s)
    elif align == "right":
        c.drawRightString(x, y, s)
    else:
        c.drawString(x, y, s)


def draw_bold(c: Canvas, cx: float, y: float, s: str, size: float, *, space: float = 0.0,
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


def draw_spread(c: Canvas, x: float, y: float, s: str, size: float, width: float, *,
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


def fit_size(s: str, size: float, width: float, smallest: float = 7.0) -> float:
    """The largest font size up to size at which s fits width."""
    natural = stringWidth(s, FONT_NAME, size)
    return size if natural <= width else max(smallest, size * width / natural)


def draw_table(c: Canvas, x: float, top: float, widths: Sequence[float], rows: Sequence[Sequence[Cell]]) -> float:
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
                    draw_spread(c, cx + (w - label_w) / 2, y - h / 2 - 4, cell.text, 11.5, label_w)
                else:
                    for i, line in enumerate(lines):
                        ly = y - h / 2 + (len(lines) / 2 - i - 0.75) * 15
                        draw_text(c, cx + w / 2, ly, line, 11.5, align="centre")
            else:
                draw_cell_value(c, cx, y, w, h, cell.text)
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


def draw_cell_value(c: Canvas, x: float, top: float, w: float, h: float, text: str) -> None:
    """A value centred in its cell: on one line if it fits, else on two smaller lines, else shrunk."""
    room = w - 4 * mm
    if stringWidth(text, FONT_NAME, 12.5) <= room:
        draw_text(c, x + w / 2, top - h / 2 - 12.5 * 0.35, text, 12.5, align="centre")
        return
    lines = wrap_cjk(text, room, 11)
    if len(lines) == 2:
        for i, line in enumerate(lines):
            draw_text(c, x + w / 2, top - h / 2 + (0.5 - i) * 13 - 11 * 0.35, line, 11, align="centre")
        return
    size = fit_size(text, 12.5, room)
    draw_text(c, x + w / 2, top - h / 2 - size * 0.35, text, size, align="centre")


def draw_paragraph(c: Canvas, text: str, x: float, y: float, width: float, size: float, leading: float,
                   *, indent: float = 0.0) -> float:
    """Draw justified CJK text from baseline y; return the baseline after the last line."""
    c.saveState()
    c.setFillColor(INK)
    for paragraph in text.splitlines():
        y = draw_lines(c, wrap_cjk(paragraph, width, size, indent=indent), x, y, width, size, leading, indent)
    c.restoreState()
    return y


def draw_lines(c: Canvas, lines: list[str], x: float, y: float, width: float, size: float, leading: float,
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
