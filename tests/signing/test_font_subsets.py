"""The layout's characters in subsets cut once (signing.font_subsets): same pixels, same text, fewer cuts."""

from __future__ import annotations

import zlib
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pypdf
import pypdfium2
import pytest

from signing.font_subsets import KeptSubsets
from signing.fonts import DEFAULT_FONT_PATH
from signing.render import Renderer
from tests.signing.test_render import KINDS, make_content, text_of, verify_url


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def font_programs(pdf: bytes) -> list[bytes]:
    """Each embedded subset's TrueType program, decompressed, in the order of the page's fonts."""
    page = pypdf.PdfReader(BytesIO(pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]
    return [fonts[name]["/FontDescriptor"]["/FontFile2"].get_data() for name in sorted(fonts)]


def glyphs(pdf: bytes) -> list[tuple[str, tuple[float, ...]]]:
    """Every character pdfium finds on the page: its text (through the subset's ToUnicode map) and its box, which
    pdfium takes from the glyph's outline in the embedded font program."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = document[0].get_textpage()
        return [(text.get_text_range(i, 1), tuple(round(v, 2) for v in text.get_charbox(i)))
                for i in range(text.count_chars())]
    finally:
        document.close()


@pytest.mark.parametrize("kind", KINDS)
def test_pages_of_one_layout_share_their_first_subsets_and_differ_in_the_last(renderer: Renderer, kind: str) -> None:
    one = font_programs(renderer.render(make_content(kind), verify_url("a")))
    other = font_programs(renderer.render(make_content(kind, holder_name="欧阳靖宇", authority_office="青岛市人才中心"),
                                          verify_url("b")))
    assert len(one) >= 2 and len(one) == len(other)
    assert one[:-1] == other[:-1]  # the layout's own characters: the same subsets, kept
    assert one[-1] != other[-1]  # the document's own data: its subset cut for that page


@pytest.mark.parametrize("kind", KINDS)
def test_a_page_has_the_glyphs_and_text_reportlab_alone_gives_it(renderer: Renderer, kind: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    content = make_content(kind, holder_name="诸葛亮亮", remarks=("遗失补发",) if kind == "certificate" else ())
    kept = renderer.render(content, verify_url("same"))
    monkeypatch.setattr(KeptSubsets, "seed", lambda self, doc, characters: None)  # reportlab's own subsets
    plain = renderer.render(content, verify_url("same"))
    assert kept != plain  # the subsets do differ ...
    found = glyphs(kept)
    assert len(found) > 100 and found == glyphs(plain)  # ... yet every glyph is the same, in the same place
    assert text_of(kept) == text_of(plain)


def test_a_page_is_a_function_of_its_content_whatever_was_rendered_before(renderer: Renderer) -> None:
    content = make_content("written")
    first = renderer.render(content, verify_url("order"))
    for kind in KINDS:
        renderer.render(make_content(kind, holder_name="司马相如"), verify_url(kind))
    assert renderer.render(content, verify_url("order")) == first
    assert Renderer().render(content, verify_url("order")) == first  # another renderer, the same file


def test_the_kept_subsets_stay_bounded_by_the_layouts(renderer: Renderer) -> None:
    kept = KeptSubsets.of(renderer.font)
    for i in range(3):
        renderer.render(make_content("certificate", holder_name=f"测试{i}"), verify_url(str(i)))
    count = len(kept._kept)
    names = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    for i, name in enumerate(names):
        renderer.render(make_content("certificate", holder_name=name * 2), verify_url(f"n{i}"))
    assert len(kept._kept) == count


def test_a_kept_program_is_the_one_reportlab_cuts(renderer: Renderer) -> None:
    pdf = renderer.render(replace(make_content("score-pass"), holder_name="李四"), verify_url("cut"))
    kept = KeptSubsets.of(renderer.font)
    stored = {zlib.decompress(flate): program for program, flate in kept._kept.values()}
    shared = [p for p in font_programs(pdf) if p in stored]
    assert shared  # the page embeds the kept programs, decompressed to what was cut
    assert all(stored[p] == kept._cut(subset) for p in shared for subset, (program, _) in kept._kept.items()
               if program == p)


def test_a_renderer_draws_with_its_own_font_after_another_loaded_one(renderer: Renderer, tmp_path: Path) -> None:
    content, url = make_content("qualification"), verify_url("own")
    expected = renderer.render(content, url)
    link = tmp_path / "link.ttc"
    link.symlink_to(DEFAULT_FONT_PATH)
    assert Renderer(link).font is Renderer().font is renderer.font  # one parse per font file
    copy = tmp_path / "copy.ttc"
    copy.write_bytes(DEFAULT_FONT_PATH.read_bytes())
    other = Renderer(copy)  # another font object, registered under the same name since
    assert other.font is not renderer.font
    assert renderer.render(content, url) == expected
    assert text_of(other.render(content, url)) == text_of(expected)
