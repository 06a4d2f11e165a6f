"""Reading the QR code on page 1 as a phone would see it: rendered, then decoded."""

from __future__ import annotations

from signing.errors import SigningError
from signing.pdflimits import render_scale


def read_qr_codes(pdf: bytes, dpi: int = 150) -> list[str]:
    """The texts of the QR codes on page 1; raises SigningError for a page that cannot or may not be rendered."""
    import pypdfium2
    import zxingcpp

    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as e:
        raise SigningError(f"the page cannot be rendered ({e})") from None
    try:
        if len(document) < 1:
            raise SigningError("the file has no page to render")
        page = document[0]
        width, height = page.get_size()  # the box pdfium renders, rotation applied
        scale = render_scale(width, height, dpi)  # PdfTooCostly (a SigningError) for a page far past A4
        image = page.render(scale=scale, grayscale=True).to_pil()
    finally:
        document.close()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    return [r.text for r in found]
