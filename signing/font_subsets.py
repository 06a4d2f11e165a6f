"""A layout's own characters in font subsets cut once per process; each page's own data in subsets of its own.

reportlab embeds the TrueType font in every PDF as subsets of 256 characters, in the order the page first
draws them, and cuts (`makeSubset`) and compresses each one for each page: about 4 ms of a 9 ms page with
the CJK font. Most of a page's characters are its layout's (the labels, an attestation's fixed text, the
footer), the same on every page of that layout. So a page's font state is seeded with them first (`seed`)
and padded with .notdef up to the next subset boundary: those subsets are then the same on every page of
the layout, and each is cut and compressed once and kept (`KeptSubsets`). The holder's name, the occupation
and the other data of the document start a subset after them, cut for that page alone.

A page stays a function of its content: a seed is derived from the layout alone (signing.render's probe),
never from what the process rendered before, and a kept subset is the bytes reportlab would cut again.
"""

from __future__ import annotations

import zlib
from typing import Any
from weakref import WeakKeyDictionary

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import TTFont

_SUBSET = 256  # codes per subset: one byte of a PDF simple font


class KeptSubsets:
    """The seeded subsets of one font, each cut and compressed the first time a page embeds it."""

    _of: WeakKeyDictionary[TTFont, KeptSubsets] = WeakKeyDictionary()

    @classmethod
    def of(cls, font: TTFont) -> KeptSubsets:
        """The one KeptSubsets of `font` (signing.fonts loads a font file once per process for every Renderer)."""
        kept = cls._of.get(font)
        if kept is None:
            kept = cls._of[font] = cls(font)
        return kept

    def __init__(self, font: TTFont) -> None:
        self._font = font
        self._face = font.face
        self._seeded: set[tuple[int, ...]] = set()  # the subsets a seed makes: bounded by the layouts
        self._kept: dict[tuple[int, ...], tuple[bytes, bytes]] = {}  # subset -> (font program, its Flate bytes)
        # TTFont.addObjects asks its face for each subset's descriptor; this font's face asks here first (an
        # attribute of this one face object, so any other TTFont is untouched).
        self._cut = self._face.makeSubset
        self._describe = self._face.addSubsetObjects
        self._face.addSubsetObjects = self._subset_objects
        self._face.makeSubset = self._program

    def seed(self, doc: Any, characters: str) -> None:
        """Assign `characters` their codes in `doc` first, then close their last subset (.notdef after them),
        so whatever the page draws next begins a subset of its own."""
        self._font.splitString(characters, doc)
        state = self._font.state[doc]
        last = state.subsets[-1]
        last.extend([0] * (_SUBSET - len(last)))
        state.nextCode = _SUBSET * len(state.subsets)
        self._seeded.update(tuple(s) for s in state.subsets)

    def _program(self, subset: list[int]) -> bytes:
        kept = self._kept.get(tuple(subset))
        return kept[0] if kept is not None else self._cut(subset)

    def _subset_objects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        key = tuple(subset)
        if key not in self._seeded:
            return self._describe(doc, fontname, subset)
        kept = self._kept.get(key)
        if kept is None:
            program = self._cut(subset)
            kept = self._kept[key] = (program, zlib.compress(program))
        descriptor = self._describe(doc, fontname, subset)  # its Length1 from the kept program (_program)
        # The font program's stream, already compressed: reportlab applies no filter to a stream whose
        # dictionary names one (pdfdoc.PDFStream.format).
        stream = doc.idToObject[doc.idToObject[descriptor.name].dict["FontFile2"].name]
        stream.content = kept[1]
        stream.filters = None
        stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        return descriptor
