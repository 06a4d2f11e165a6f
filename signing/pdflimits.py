"""Bounds on what reading an untrusted PDF may cost: how far its streams expand, how large a page is rendered.

A certledger document is one A4 page of about 45 KB whose streams expand to well under a megabyte.
A file built to cost memory is refused before it does: pyHanko's reader stops at MAX_EXPANDED_BYTES of
inflated streams (a 200 MB flate stream in a 200 KB upload), and page 1 is rendered (for its QR code)
only when it is A4-sized, within a pixel cap (a 14,400 pt page at 150 dpi took 2.8 GB).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signing.errors import SigningError

if TYPE_CHECKING:  # pyHanko is imported when a PDF is read, not by the token path
    from pyhanko.pdf_utils.decode_limits import DecodeLimits

MAX_EXPANDED_BYTES = 16 * 1024 * 1024  # per stream, and for all streams of a file together, once inflated
A4_POINTS = (595.0, 842.0)
MAX_PAGE_POINTS = 1.5 * A4_POINTS[1]  # either side of page 1: A4 either way round, with room to spare
MAX_RENDER_PIXELS = 4_000_000  # a rendered page 1 (grey, one byte a pixel): 4 MB at most


class PdfTooCostly(SigningError):
    """The file asks for more memory than a certledger document ever needs."""


def decode_limits() -> DecodeLimits:
    """pyHanko's decoding limits for an uploaded file: far above a proof's needs, far below a bomb's."""
    from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits

    return DecodeLimits(per_stream=StreamDecodeLimits(max_ratio=1100, max_output_size=MAX_EXPANDED_BYTES),
                        document_budget=DocumentDecodeBudget(base_allowance=MAX_EXPANDED_BYTES, max_ratio=2))


def render_scale(width: float, height: float, dpi: int) -> float:
    """The scale to render a page of `width` x `height` points at `dpi`, within the pixel cap.

    Raises PdfTooCostly for a page larger than an A4 sheet could be.
    """
    if not (0 < width <= MAX_PAGE_POINTS and 0 < height <= MAX_PAGE_POINTS):
        raise PdfTooCostly(f"page 1 is {width:.0f} x {height:.0f} pt; a certledger document is one A4 page")
    scale = dpi / 72
    pixels = width * scale * height * scale
    if pixels > MAX_RENDER_PIXELS:
        scale *= (MAX_RENDER_PIXELS / pixels) ** 0.5
    return scale
