"""Page 1 is rendered for its QR code in a child process with a memory and CPU budget.

Each attack page is an A4 page (it passes the page-size cap) whose drawing costs far more than
its bytes: a 20,000 x 20,000 image in a 0.4 MB file, and 20,000 large triangles in 0.2 MB
(about 3.7 s of CPU here: past 1.5 times its 1 s budget even on a machine twice as fast). Each
is first rendered without the budget, to show what it costs, then through `read_page_qr`.
"""

from __future__ import annotations

import math
import multiprocessing
import resource
import time
import zlib

import pytest

from signing.errors import SigningError
from signing.qr import DEFAULT_BUDGET, RenderBudget, RenderTooCostly, read_page_qr, render_and_decode

MB = 1024 * 1024


def _pdf(page_resources: bytes, content: bytes, extra: list[bytes]) -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << " + page_resources
               + b" >> /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream", *extra]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return bytes(out)


def image_bomb(side: int = 20000) -> bytes:
    packer, row, parts = zlib.compressobj(9), b"\x00" * side, []
    for _ in range(side):  # streamed: the test itself never holds the decoded image
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    image = b"".join(parts)
    xobject = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
               b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (side, side, len(image))
               + image + b"\nendstream")
    return _pdf(b"/XObject << /Im1 5 0 R >>", zlib.compress(b"q 595 0 0 842 0 0 cm /Im1 Do Q"), [xobject])


def busy_page(triangles: int = 20000) -> bytes:
    ops = b"".join(b"%d %d m %d %d l %d %d l h f\n" % (i % 595, i * 7 % 842, i * 13 % 595, i * 3 % 842,
                                                       i * 5 % 595, i * 11 % 842) for i in range(triangles))
    return _pdf(b"", zlib.compress(ops, 9), [])


def _unbounded(conn, pdf: bytes) -> None:  # the render as it ran before: in a process of its own, no limits
    started = time.process_time()
    render_and_decode(pdf, 150)
    conn.send((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, time.process_time() - started))


def cost_without_budget(pdf: bytes) -> tuple[int, float]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_unbounded, args=(child, pdf))
    process.start()
    peak, cpu = parent.recv()
    process.join()
    return peak, cpu


def test_an_image_bomb_costs_the_render_at_most_its_memory_budget() -> None:
    pdf = image_bomb()
    assert len(pdf) < 500_000
    peak, _ = cost_without_budget(pdf)
    assert peak > DEFAULT_BUDGET.memory_bytes, f"without the budget the render took only {peak // MB} MB"

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    reading = read_page_qr(pdf)
    assert reading.texts == []  # pdfium gives up the image it cannot allocate: nothing to read
    assert reading.child_peak_bytes <= DEFAULT_BUDGET.memory_bytes
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before < 64 * MB


def test_a_page_that_takes_seconds_to_draw_is_stopped_at_its_cpu_budget() -> None:
    pdf, budget = busy_page(), RenderBudget(cpu_seconds=1)
    _, cpu = cost_without_budget(pdf)
    assert cpu > 1.5 * budget.cpu_seconds, f"without the budget the render took only {cpu:.2f} s of CPU"

    started = time.monotonic()
    with pytest.raises(RenderTooCostly, match="longer than the budget"):
        read_page_qr(pdf, budget=budget)
    assert time.monotonic() - started < 1 + DEFAULT_BUDGET.wall_seconds


def test_a_render_that_runs_out_of_memory_is_named_not_crashed() -> None:
    # 4 M pixels of greyscale need 4 MB: a budget far below what pdfium itself needs fails cleanly.
    with pytest.raises(RenderTooCostly, match="more memory than the budget"):
        read_page_qr(busy_page(10), budget=RenderBudget(memory_bytes=8 * MB))


def test_a_page_that_is_not_a_pdf_is_refused_by_the_child() -> None:
    with pytest.raises(SigningError, match="cannot be rendered"):
        read_page_qr(b"%PDF-1.7\nnot really")


def shaded_corner_page(paths: int = 1500) -> bytes:
    """An A4 page whose QR corner is shaded by many triangles under the code: ~0.1 s of CPU for each read."""
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    from signing.fonts import load_font
    from signing.layout import PAGE_H, PAGE_W
    from signing.ornaments import QR_BOTTOM, QR_RIGHT, QR_SIZE, draw_qr, qr_modules

    load_font()
    out = BytesIO()
    c = Canvas(out, pagesize=(PAGE_W, PAGE_H))
    x0, y0 = PAGE_W - QR_RIGHT - QR_SIZE, QR_BOTTOM
    path = c.beginPath()
    for i in range(paths):
        path.moveTo(x0 + i % 7, y0 + i % 11)
        path.lineTo(x0 + QR_SIZE - i % 5, y0 + i % 13)
        path.lineTo(x0 + i % 3, y0 + QR_SIZE - i % 9)
        path.close()
    c.setFillColorRGB(0.9, 0.9, 0.9)
    c.drawPath(path, stroke=0, fill=1)
    draw_qr(c, qr_modules("HTTPS://EXAMPLE/V/SHADED"), x0, y0)
    c.showPage()
    c.save()
    return out.getvalue()


def test_the_cpu_budget_is_each_pages_not_the_render_childs_whole_life() -> None:
    # The child is kept across pages that go well: pages that each fit the budget must keep fitting it
    # after their sum has gone past it (a limit set once would stop the child there).
    pdf = shaded_corner_page()
    started = time.process_time()
    assert render_and_decode(pdf, 150) == ["HTTPS://EXAMPLE/V/SHADED"]
    pages = math.ceil(2 / max(time.process_time() - started, 0.01))  # 2 s of CPU in all, twice the budget
    assert pages <= 200, "the page is too cheap to show it"
    for _ in range(pages):
        assert read_page_qr(pdf, budget=RenderBudget(cpu_seconds=1)).texts == ["HTTPS://EXAMPLE/V/SHADED"]


def test_after_a_page_stopped_at_its_budget_the_next_page_is_read() -> None:
    with pytest.raises(RenderTooCostly):
        read_page_qr(busy_page(), budget=RenderBudget(cpu_seconds=1))
    with pytest.raises(RenderTooCostly):
        read_page_qr(busy_page(10), budget=RenderBudget(memory_bytes=8 * MB))
    assert read_page_qr(shaded_corner_page(10)).texts == ["HTTPS://EXAMPLE/V/SHADED"]
