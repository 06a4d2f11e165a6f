"""The QR code is read from its corner first, as rendered: what covers it there is what a phone sees."""

from __future__ import annotations

from io import BytesIO

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from signing.fonts import load_font
from signing.layout import PAGE_H, PAGE_W
from signing.ornaments import QR_BOTTOM, QR_RIGHT, QR_SIZE, draw_qr, qr_modules
from signing.qr import read_qr_codes

CORNER = (PAGE_W - QR_RIGHT - QR_SIZE, QR_BOTTOM)


def _page(*, corner: str | None, cover: bool = False, elsewhere: str | None = None,
          size: tuple[float, float] = (PAGE_W, PAGE_H)) -> bytes:
    load_font()  # the caption under each code
    out = BytesIO()
    c = Canvas(out, pagesize=size)
    if corner is not None:
        draw_qr(c, qr_modules(corner), *CORNER)
    if cover:  # a white box drawn after it, over the whole code: the page shows none there
        c.setFillColor(Color(1, 1, 1))
        c.rect(CORNER[0] - 2, CORNER[1] - 2, QR_SIZE + 4, QR_SIZE + 4, stroke=0, fill=1)
    if elsewhere is not None:
        draw_qr(c, qr_modules(elsewhere), 60, 500)
    c.showPage()
    c.save()
    return out.getvalue()


def test_the_corner_code_is_read() -> None:
    assert read_qr_codes(_page(corner="HTTPS://EXAMPLE/V/CORNER")) == ["HTTPS://EXAMPLE/V/CORNER"]


def test_a_covered_corner_code_is_not_read_and_the_visible_one_is() -> None:
    # Without the render the covered code would be found in the content stream; rendered, it is not there.
    texts = read_qr_codes(_page(corner="HTTPS://EXAMPLE/V/HIDDEN", cover=True, elsewhere="HTTPS://EXAMPLE/V/SEEN"))
    assert texts == ["HTTPS://EXAMPLE/V/SEEN"]


def test_a_covered_corner_code_alone_is_no_code() -> None:
    assert read_qr_codes(_page(corner="HTTPS://EXAMPLE/V/HIDDEN", cover=True)) == []


def test_a_page_of_another_size_is_read_whole() -> None:
    texts = read_qr_codes(_page(corner=None, elsewhere="HTTPS://EXAMPLE/V/LETTER", size=(612, 792)))
    assert texts == ["HTTPS://EXAMPLE/V/LETTER"]
