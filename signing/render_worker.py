"""The render worker: `python -m signing.render_worker`, started by signing.qr, one per checking process.

It reads requests on stdin and answers on stdout. For each request it forks a child that sets
its own address-space and CPU limits, renders page 1 and decodes its QR codes; the worker
waits at most the wall budget, kills a child that overstays, and answers either way. The
worker itself never renders, so it stays small however hostile a page is, and a child's
cost ends with the child.

Frames: request = header `!IQIIQ` (dpi, memory bytes, CPU seconds, wall milliseconds, PDF
length) then the PDF; answer = header `!QI` (the child's peak resident bytes, body length)
then a JSON body `[kind, value]`, kind one of texts / memory / time / refused.
"""

from __future__ import annotations

import io
import json
import os
import resource
import select
import signal
import struct
import sys
import time
from typing import Any, BinaryIO

REQUEST = struct.Struct("!IQIIQ")
ANSWER = struct.Struct("!QI")


def main() -> None:
    import pypdfium2  # noqa: F401  loaded once here, so each forked child starts with it
    import zxingcpp  # noqa: F401

    import signing.qr

    _warm_up(signing.qr.render_and_decode)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the checking process decides when the worker ends
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = _read_exactly(source, REQUEST.size)
        if header is None:
            return
        dpi, memory, cpu, wall_ms, length = REQUEST.unpack(header)
        pdf = _read_exactly(source, length)
        if pdf is None:
            return
        answer, peak = _render_in_child(pdf, dpi, memory, cpu, wall_ms / 1000)
        body = json.dumps(answer).encode()
        sink.write(ANSWER.pack(peak, len(body)) + body)
        sink.flush()


def _warm_up(render: Any) -> None:
    """Render a blank A4 page once, so the caches pdfium fills on a first render are inherited by every child."""
    import pypdfium2

    blank = pypdfium2.PdfDocument.new()
    blank.new_page(595, 842)
    buffer = io.BytesIO()
    blank.save(buffer)
    blank.close()
    render(buffer.getvalue(), 150)


def _render_in_child(pdf: bytes, dpi: int, memory: int, cpu: int, wall: float) -> tuple[list[Any], int]:
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: limits first, then the page
        os.close(readable)
        _child(writable, pdf, dpi, memory, cpu)
    os.close(writable)
    data = _read_until(readable, time.monotonic() + wall)
    os.close(readable)
    if data is None:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if data:
        peak, _ = ANSWER.unpack(data[:ANSWER.size])
        return json.loads(data[ANSWER.size:]), peak
    stopped = os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL)
    return (["time", None] if stopped or data is None else ["refused", "the page could not be rendered"]), 0


def _child(out: int, pdf: bytes, dpi: int, memory: int, cpu: int) -> None:
    code = 0
    out_of_memory = json.dumps(["memory", None]).encode()
    out_of_memory = ANSWER.pack(0, len(out_of_memory)) + out_of_memory  # made before the limit, sent without allocating
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        answer = _answer(pdf, dpi)
        body = json.dumps(answer).encode()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        _write_all(out, ANSWER.pack(peak, len(body)) + body)
    except MemoryError:
        _write_all(out, out_of_memory)
    except BaseException:  # noqa: BLE001  nothing may escape a forked child into the worker's loop
        code = 1
    os._exit(code)


def _answer(pdf: bytes, dpi: int) -> list[Any]:
    from signing.errors import SigningError
    from signing.qr import render_and_decode

    try:
        return ["texts", render_and_decode(pdf, dpi)]
    except MemoryError:
        return ["memory", None]
    except SigningError as e:
        return ["refused", str(e)]
    except Exception as e:  # pdfium or zxing failing on a hostile page: a refusal, never a crash
        return ["refused", f"the page cannot be rendered ({type(e).__name__})"]


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything the child writes before it closes the pipe, or None once the deadline passed."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _read_exactly(stream: BinaryIO, n: int) -> bytes | None:
    data = stream.read(n)
    return data if data is not None and len(data) == n else None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


if __name__ == "__main__":
    main()
