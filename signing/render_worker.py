"""The render worker: `python -m signing.render_worker`, started by signing.qr, one per checking process.

It reads requests on stdin and answers on stdout. It keeps one forked child that sets its own
address-space limit, and before each page a CPU limit of that page's budget beyond what it has
used, then renders page 1 and decodes its QR codes; the worker waits at most the wall budget,
kills a child that overstays, and answers either way. The child serves the next page only after
a page that went well (a code read, within half its memory budget, fewer than `PAGES_PER_CHILD`
pages, the same memory budget): after anything else it is stopped and the next page gets a
fresh fork, so a hostile page's cost and state end with its child. (Only files the office signed
and recorded are rendered by verify-pdf.) The worker itself never renders, so it stays small
however hostile a page is.

Frames: request = header `!IQIIQ` (dpi, memory bytes, CPU seconds, wall milliseconds, PDF
length) then the PDF; answer = header `!QI` (the child's peak resident bytes, body length)
then a JSON body `[kind, value]`, kind one of texts / memory / time / refused.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import resource
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

REQUEST = struct.Struct("!IQIIQ")
ANSWER = struct.Struct("!QI")
PAGES_PER_CHILD = 200  # a long-lived child is forked afresh now and then, whatever its pages


def main() -> None:
    import pypdfium2  # noqa: F401  loaded once here, so each forked child starts with it
    import zxingcpp  # noqa: F401

    import signing.qr

    _warm_up(signing.qr.render_and_decode)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the checking process decides when the worker ends
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    child = _Child()
    try:
        for (dpi, memory, cpu, wall_ms, _), pdf in _requests(lambda n: _read_exactly(source, n)):
            answer, peak = child.render(pdf, dpi, memory, cpu, wall_ms / 1000)
            body = json.dumps(answer).encode()
            sink.write(ANSWER.pack(peak, len(body)) + body)
            sink.flush()
    finally:
        child.stop()


def _requests(read: Callable[[int], bytes | None]) -> Iterator[tuple[tuple[int, ...], bytes]]:
    """Each request off a pipe (`read(n)`: n bytes, or None at its end): the header's fields and the PDF."""
    while True:
        header = read(REQUEST.size)
        if header is None:
            return
        fields = REQUEST.unpack(header)
        pdf = read(fields[-1])
        if pdf is None:
            return
        yield fields, pdf


def _warm_up(render: Any) -> None:
    """Render a blank A4 page once, so the caches pdfium fills on a first render are inherited by every child."""
    import pypdfium2

    blank = pypdfium2.PdfDocument.new()
    blank.new_page(595, 842)
    buffer = io.BytesIO()
    blank.save(buffer)
    blank.close()
    render(buffer.getvalue(), 150)


class _Child:
    """The forked child rendering pages, kept while its pages go well; forked afresh after any other."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.requests = self.answers = -1
        self.memory = 0
        self.pages = 0

    def render(self, pdf: bytes, dpi: int, memory: int, cpu: int, wall: float) -> tuple[list[Any], int]:
        if self.pid is None or memory != self.memory or self.pages >= PAGES_PER_CHILD:
            self.stop()
            self._start(memory)
        self.pages += 1
        deadline = time.monotonic() + wall
        try:
            _write_all(self.requests, REQUEST.pack(dpi, memory, cpu, 0, len(pdf)) + pdf)
            data = _read_frame(self.answers, deadline)
        except OSError:  # the child is gone (BrokenPipeError): judged by how it ended, below
            data = b""
        if data:
            peak, _ = ANSWER.unpack(data[:ANSWER.size])
            answer = json.loads(data[ANSWER.size:])
            if answer[0] != "texts" or not answer[1] or peak > memory // 2:
                self.stop()  # not a page that went well: its child ends with it
            return answer, peak
        timed_out = data is None
        status = self.stop(kill=timed_out)
        stopped = os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL)
        return (["time", None] if stopped or timed_out else ["refused", "the page could not be rendered"]), 0

    def _start(self, memory: int) -> None:
        requests_read, requests_write = os.pipe()
        answers_read, answers_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(requests_write)
            os.close(answers_read)
            _child(requests_read, answers_write, memory)
        os.close(requests_read)
        os.close(answers_write)
        self.pid, self.requests, self.answers, self.memory, self.pages = pid, requests_write, answers_read, memory, 0

    def stop(self, kill: bool = True) -> int:
        """Ends the child (killed, or already ended) and returns its wait status; 0 if there was none."""
        if self.pid is None:
            return 0
        os.close(self.requests)
        os.close(self.answers)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return status


def _child(requests: int, out: int, memory: int) -> None:
    """The child's life: the address-space limit once, then each page within its CPU budget, until told to end."""
    code = 0
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # the worker's own pipes to the checking process: never held open by a child
    os.dup2(devnull, 1)
    out_of_memory = json.dumps(["memory", None]).encode()
    out_of_memory = ANSWER.pack(0, len(out_of_memory)) + out_of_memory  # made before the limit, sent without allocating
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        for (dpi, _, cpu, _, _), pdf in _requests(lambda n: _read_fd_exactly(requests, n)):
            used = resource.getrusage(resource.RUSAGE_SELF)
            soft = math.ceil(used.ru_utime + used.ru_stime) + cpu  # this page's budget, beyond the pages before
            resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.getrlimit(resource.RLIMIT_CPU)[1]))
            body = json.dumps(_answer(pdf, dpi)).encode()
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


def _read_frame(fd: int, deadline: float) -> bytes | None:
    """One answer frame from the child (header and body), b"" if it ended first, None once the deadline passed."""
    header = _read_before(fd, ANSWER.size, deadline)
    if not header:
        return header
    length = ANSWER.unpack(header)[1]
    body = _read_before(fd, length, deadline)
    if body is None:
        return None
    return header + body if len(body) == length else b""


def _read_before(fd: int, n: int, deadline: float) -> bytes | None:
    """n bytes from fd; b"" if it closes first, None once the deadline passed."""
    chunks, got = [], 0
    while got < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, min(65536, n - got))
        if not chunk:
            return b""
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_fd_exactly(fd: int, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(1 << 20, n - got))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_exactly(stream: BinaryIO, n: int) -> bytes | None:
    data = stream.read(n)
    return data if data is not None and len(data) == n else None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


if __name__ == "__main__":
    main()
