"""The CJK font every document embeds: parsed once, subsetted into each PDF by reportlab.

Never the built-in STSong-Light CID font: it is not embedded, so each viewer would substitute
its own glyphs, which an official document cannot allow.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from signing.errors import FontUnavailable

FONT_NAME = "WQYMicroHei"
DEFAULT_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # Debian fonts-wqy-microhei


def load_font(path: str | Path | None = None) -> TTFont:
    """Parse the CJK TrueType font and register it with reportlab under FONT_NAME."""
    font_path = Path(path) if path is not None else DEFAULT_FONT_PATH
    if not font_path.is_file():
        raise FontUnavailable(f"CJK font not found at {font_path}: install the Debian package fonts-wqy-microhei "
                              "(apt-get install fonts-wqy-microhei) or pass another TrueType font's path")
    try:
        font = TTFont(FONT_NAME, str(font_path), subfontIndex=0)
    except (TTFError, OSError, ValueError) as e:
        raise FontUnavailable(f"cannot use {font_path} as the CJK font: {e}") from None
    # Registration is global in reportlab; re-registering the same name replaces the font.
    pdfmetrics.registerFont(font)
    return font
