"""A signed PDF's first page as a PNG, for the preview and the print view: every browser shows an image (a
headless or locked-down one has no PDF viewer). Only the console's own signed files, from the attachment store."""

from __future__ import annotations

import io
from functools import lru_cache

DPI = 150


@lru_cache(maxsize=64)
def page_png(sha256: str, pdf: bytes) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=DPI / 72).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
