"""Save signatures checked in batches by forked worker processes, so the audit uses every core.

The save audit (ledger.audit_saves) hands each save's (credential, message, signature) here with a tag of
its own; batches go down a pipe to each worker in turn, and a worker answers with the indexes in the batch
whose signature did not verify. The caller keeps the tags: `failed()` waits for every answer and returns
the tags of the saves whose signature failed. Where no worker can be forked (no `os.fork`, or too few
saves to be worth it), every signature is checked in line, with the same answer.

A worker is forked after the audit read what the store records about credentials, so `verify` (a closure
over that registry) needs nothing but the credential id. A worker that dies makes the audit fail (a
RuntimeError), never pass.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import struct
from collections import deque
from collections.abc import Callable
from typing import Any

Verify = Callable[[str, bytes, bytes], bool]  # (credential id, message, signature) -> valid
_LENGTH = struct.Struct(">I")


def _read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(fd: int, payload: Any) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    data = _LENGTH.pack(len(data)) + data
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> Any:
    (n,) = _LENGTH.unpack(_read_exact(fd, _LENGTH.size))
    return pickle.loads(_read_exact(fd, n))  # noqa: S301 (our own worker's answer, or our own batch)


def _serve(verify: Verify, requests: int, answers: int) -> None:
    """A worker's life: a batch in, the indexes of its failed signatures out, until the pipe closes."""
    while True:
        try:
            batch = _receive(requests)
        except EOFError:
            return
        _send(answers, [i for i, (credential, message, signature) in enumerate(batch)
                        if not verify(credential, message, signature)])


class _Worker:
    def __init__(self, verify: Verify, closing: list[int]) -> None:
        down_r, self.down = os.pipe()
        self.up, up_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the worker: only its two pipe ends stay open
            code = 1
            try:
                for fd in (self.down, self.up, *closing):
                    os.close(fd)
                _serve(verify, down_r, up_w)
                code = 0
            finally:
                os._exit(code)
        os.close(down_r)
        os.close(up_w)
        self.outstanding: deque[list[Any]] = deque()  # the tags of the batches sent and not yet answered


class SignatureBatches:
    """Collect signatures to check; `failed()` gives the tags of those that did not verify."""

    def __init__(self, verify: Verify, workers: int, batch: int = 400, in_flight: int = 3) -> None:
        self._verify, self._batch_size, self._in_flight = verify, batch, in_flight
        self._workers: list[_Worker] = []
        if workers > 0 and hasattr(os, "fork"):
            for _ in range(workers):
                self._workers.append(_Worker(verify, [fd for w in self._workers for fd in (w.down, w.up)]))
        self._items: list[tuple[str, bytes, bytes]] = []
        self._tags: list[Any] = []
        self._failed: list[Any] = []
        self._turn = 0

    def add(self, credential: str, message: bytes, signature: bytes, tag: Any) -> None:
        self._items.append((credential, message, signature))
        self._tags.append(tag)
        if len(self._items) >= self._batch_size:
            self._dispatch()

    def _dispatch(self) -> None:
        items, tags, self._items, self._tags = self._items, self._tags, [], []
        if not items:
            return
        if not self._workers:
            self._failed += [tags[i] for i, item in enumerate(items) if not self._verify(*item)]
            return
        self._collect_ready()
        worker = min(self._workers, key=lambda w: len(w.outstanding))
        if len(worker.outstanding) >= self._in_flight:  # every worker is busy: this process checks it
            self._failed += [tags[i] for i, item in enumerate(items) if not self._verify(*item)]
            return
        _send(worker.down, items)
        worker.outstanding.append(tags)

    def _collect_ready(self) -> None:
        busy = {w.up: w for w in self._workers if w.outstanding}
        if not busy:
            return
        ready, _, _ = select.select(list(busy), [], [], 0)
        for fd in ready:
            self._answer(busy[fd])

    def _answer(self, worker: _Worker) -> None:
        try:
            failed = _receive(worker.up)
        except EOFError:
            raise RuntimeError("a signature-checking process of the audit died") from None
        tags = worker.outstanding.popleft()
        self._failed += [tags[i] for i in failed]

    def failed(self) -> list[Any]:
        """Wait for every answer; the tags of the signatures that did not verify (the workers then end)."""
        self._dispatch()
        for worker in self._workers:
            while worker.outstanding:
                self._answer(worker)
        self.close()
        return self._failed

    def close(self) -> None:
        for worker in self._workers:
            for fd in (worker.down, worker.up):
                with contextlib.suppress(OSError):
                    os.close(fd)
            _, status = os.waitpid(worker.pid, 0)
            if status != 0:
                self._workers = []
                raise RuntimeError("a signature-checking process of the audit failed")
        self._workers = []
