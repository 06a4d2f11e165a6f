"""Reading the QR code on page 1 as a phone would see it: rendered, then decoded.

The render runs outside the checking process, within a budget (`RenderBudget`): a page whose
drawing costs far more than its size says (a 400 KB file holding a 20,000 x 20,000 image
decodes to 400 MB in pdfium; 0.1 MB of triangles takes 4 s to draw) costs the checking process
nothing and the host at most the budget. One worker process (signing.render_worker) per
checking process forks a child per page with the limits set; renders are taken one at a time.
`start_reading` asks for the render from a thread and returns at once, so the checking process
validates the signature while the worker renders (two cores: the render costs no wall time).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

from signing.errors import SigningError
from signing.layout import PAGE_H, PAGE_W
from signing.ornaments import QR_BOTTOM, QR_MARGIN, QR_RIGHT, QR_SIZE
from signing.pdflimits import render_scale


@dataclass(frozen=True)
class RenderBudget:
    """What one render of page 1 may cost: address space, CPU time, and wall time before it is killed."""

    memory_bytes: int = 256 * 1024 * 1024
    cpu_seconds: int = 2
    wall_seconds: float = 10.0


DEFAULT_BUDGET = RenderBudget()


class RenderTooCostly(SigningError):
    """Rendering page 1 went past the budget; the child was stopped and nothing of it remains."""


class QrReading(NamedTuple):
    texts: list[str]
    child_peak_bytes: int  # the render's peak resident memory, in its own process


def read_qr_codes(pdf: bytes, dpi: int = 150, budget: RenderBudget = DEFAULT_BUDGET) -> list[str]:
    """The texts of the QR codes on page 1; raises SigningError for a page that cannot or may not be rendered."""
    return read_page_qr(pdf, dpi, budget).texts


def read_page_qr(pdf: bytes, dpi: int = 150, budget: RenderBudget = DEFAULT_BUDGET) -> QrReading:
    """`read_qr_codes`, with what the render cost its child process."""
    (kind, value), peak = _WORKER.render(pdf, dpi, budget)
    if kind == "texts":
        return QrReading([str(t) for t in value], peak)
    if kind == "memory":
        raise RenderTooCostly(f"rendering page 1 needs more memory than the budget "
                              f"({budget.memory_bytes // (1024 * 1024)} MB); the page was not read")
    if kind == "time":
        raise RenderTooCostly(f"rendering page 1 took longer than the budget ({budget.cpu_seconds} s of CPU, "
                              f"{budget.wall_seconds:g} s in all); the page was not read")
    raise SigningError(str(value))


def start_reading(pdf: bytes, dpi: int = 150, budget: RenderBudget = DEFAULT_BUDGET) -> Future[QrReading]:
    """`read_page_qr` begun now in a thread of this process, its answer (or its SigningError) in the future."""
    return _ASKER.submit(read_page_qr, pdf, dpi, budget)


def render_and_decode(pdf: bytes, dpi: int) -> list[str]:
    """Render page 1 and decode its QR codes, in this process: what the worker's children run."""
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
        crop = _qr_corner(width, height, page.get_rotation())
        if crop is not None:  # our own page: its QR corner first, as rendered (whatever covers it shows)
            corner = page.render(scale=scale, crop=crop, grayscale=True).to_pil()
            found = zxingcpp.read_barcodes(corner, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
            if found:
                return [r.text for r in found]
        image = page.render(scale=scale, grayscale=True).to_pil()
    finally:
        document.close()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    return [r.text for r in found]


def _qr_corner(width: float, height: float, rotation: int) -> tuple[float, float, float, float] | None:
    """What to cut from an A4 page (left, bottom, right, top, in points) to keep only where render.py draws the QR
    code with its quiet zone; None for any other page (size or rotation), which is read whole."""
    if rotation != 0 or abs(width - PAGE_W) > 1 or abs(height - PAGE_H) > 1:
        return None
    left, bottom = width - QR_RIGHT - QR_SIZE - QR_MARGIN, QR_BOTTOM - QR_MARGIN
    right, top = QR_RIGHT - QR_MARGIN, height - QR_BOTTOM - QR_SIZE - QR_MARGIN
    return (left, bottom, right, top)


class _Worker:
    """The render worker of this process: started on first use, restarted if it is gone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def render(self, pdf: bytes, dpi: int, budget: RenderBudget) -> tuple[list[Any], int]:
        from signing.render_worker import ANSWER, REQUEST

        request = REQUEST.pack(dpi, budget.memory_bytes, budget.cpu_seconds, int(budget.wall_seconds * 1000),
                               len(pdf)) + pdf
        with self._lock:
            for _attempt in (1, 2):
                process = self._running()
                assert process.stdin is not None and process.stdout is not None
                try:
                    process.stdin.write(request)
                    process.stdin.flush()
                    header = process.stdout.read(ANSWER.size)
                    if len(header) == ANSWER.size:
                        peak, length = ANSWER.unpack(header)
                        return json.loads(process.stdout.read(length)), peak
                except (BrokenPipeError, ValueError):
                    pass
                self._stop()  # the worker itself is gone: start a fresh one and ask once more
        raise SigningError("the page could not be rendered (the render worker stopped)")

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen([sys.executable, "-m", "signing.render_worker"], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
        return self._process

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


_WORKER = _Worker()
_ASKER = ThreadPoolExecutor(1, thread_name_prefix="qr-render")  # one: the worker renders one at a time
