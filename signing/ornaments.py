"""The page's marks: the round official seal, the certificate's frame and rosette, and the QR code."""

from __future__ import annotations

import math
from typing import Any, cast

import zxingcpp
from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from signing.errors import RenderError
from signing.fonts import FONT_NAME
from signing.layout import FRAME, GREY, PAGE_H, PAGE_W, SEAL_RED, WATERMARK, draw_text

QR_SIZE = 30 * mm
QR_RIGHT, QR_BOTTOM = 20 * mm, 26 * mm  # where render.py puts it: from the page's right edge and its foot
QR_MARGIN = 6 * mm  # around it when signing.qr reads that corner alone (the quiet zone and some)
QR_CAPTION = "扫码验证 / Scan to verify"
_DARK = bytes([1]) + bytes(255)  # byte value -> module: 0 (black) is dark, any other light


def draw_seal(c: Canvas, cx: float, cy: float, office: str, purpose: str, r: float = 20 * mm) -> None:
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
    _seal_star(c, cx, cy, r * 0.27)
    _seal_name(c, cx, cy, r - ring, office)
    _seal_purpose(c, cx, cy, r, purpose)
    c.restoreState()


def _seal_star(c: Canvas, cx: float, cy: float, star_r: float) -> None:
    """The seal's filled five-pointed star, point up."""
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


def _seal_name(c: Canvas, cx: float, cy: float, inner_r: float, office: str) -> None:
    """The office name along the upper arc inside the ring (`inner_r`: the ring's inner edge)."""
    # The name fills 200-240 degrees of the upper arc, as on a real seal; long names get smaller type.
    n = max(len(office), 1)
    span = math.radians(min(240, 120 + 10 * n) if n >= 4 else 40 * n)
    size = 6.0 * mm
    for _ in range(3):  # the type size sets the text radius, which sets the room per character
        text_r = inner_r - 0.8 * mm - size * 0.5
        size = min(6.0 * mm, max(2.6 * mm, span * text_r / n * 0.86))
    text_r = inner_r - 0.8 * mm - size * 0.5
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


def _seal_purpose(c: Canvas, cx: float, cy: float, r: float, purpose: str) -> None:
    """The seal's purpose (证书专用章, say) in small type below the star."""
    psize = 3.2 * mm
    c.setLineWidth(0.1 * mm)
    t = c.beginText()
    t.setFont(FONT_NAME, psize)
    t.setHorizScale(90)
    t.setTextRenderMode(2)
    t.setTextOrigin(cx - stringWidth(purpose, FONT_NAME, psize) * 0.45, cy - r * 0.62)
    t.textOut(purpose)
    c.drawText(t)


def draw_frame(c: Canvas) -> None:
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


def draw_rosette(c: Canvas, cx: float, cy: float, r: float) -> None:
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


def qr_modules(url: str) -> list[bytes]:
    """QR modules of url, rows of 1 (dark) and 0, level M, by zxing-cpp's writer (C++, libzint's encoder): the
    smallest segmentation (alphanumeric for an upper-case URL) and the mask the standard's penalty rules choose,
    in about 0.6 ms where segno took 2 ms with its mask fixed (tests/signing/test_render.py reads the codes
    back with zxing's reader and holds the modules equal to segno's for the same segment and mask)."""
    try:
        image = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
            scale=1, add_quiet_zones=False)
    except ValueError as e:  # zint's refusal: too long for level M (the text says how many codewords)
        raise RenderError(f"cannot encode the verification URL as a QR code: {e}") from None
    n = image.shape[1]
    # The image's buffer (its stub does not say it has one): a byte a module, 0 dark and 255 light.
    modules = memoryview(cast(Any, image)).tobytes().translate(_DARK)
    return [modules[i:i + n] for i in range(0, len(modules), n)]


def draw_qr(c: Canvas, matrix: list[bytes], x: float, y: float) -> None:
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
    draw_text(c, x + QR_SIZE / 2, y - 4.5 * mm, QR_CAPTION, 8, align="centre", color=GREY)
