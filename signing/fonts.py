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


_loaded: dict[Path, TTFont] = {}  # one parse per font file and process: ~0.1 s for the CJK font


def load_font(path: str | Path | None = None) -> TTFont:
    """Parse the CJK TrueType font (once per file and process) and register it with reportlab under FONT_NAME."""
    font_path = Path(path) if path is not None else DEFAULT_FONT_PATH
    key = font_path.resolve()
    font = _loaded.get(key)
    if font is None:
        if not font_path.is_file():
            raise FontUnavailable(f"CJK font not found at {font_path}: install the Debian package fonts-wqy-microhei "
                                  "(apt-get install fonts-wqy-microhei) or pass another TrueType font's path")
        try:
            font = _loaded[key] = TTFont(FONT_NAME, str(font_path), subfontIndex=0)
        except (TTFError, OSError, ValueError) as e:
            raise FontUnavailable(f"cannot use {font_path} as the CJK font: {e}") from None
    use_font(font)
    return font


def use_font(font: TTFont) -> None:
    """Make `font` the one reportlab draws FONT_NAME with. Registration is global in reportlab, and its
    registerFont keeps the first TrueType font registered under a name: another is put in its place here."""
    try:
        current = pdfmetrics.getFont(FONT_NAME)
    except KeyError:  # none registered yet
        current = None
    if current is None:
        pdfmetrics.registerFont(font)
    elif current is not font:
        pdfmetrics._fonts[FONT_NAME] = font  # no public call replaces a registered TrueType font
