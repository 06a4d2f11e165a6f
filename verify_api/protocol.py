"""uvicorn's httptools protocol with the bounds it lacks: header size and count, header and body deadlines.

    uvicorn ... --http verify_api.protocol:BoundedHttpToolsProtocol     (certledger serve does this)

uvicorn bounds neither the size of a request's headers under httptools (a 100 MB header is parsed, at
length, on the event loop) nor the time a client may take to send them or the body (its keep-alive
timeout only runs between requests, and any byte resets it). h11 has a size limit but parses slower
and has no deadlines either. This subclass counts the head's bytes before the parser sees them and
refuses past `max_header_bytes` (431), counts header lines (431 past `max_headers`), gives the request
line and headers `header_timeout` seconds from their first byte (or from the connection's opening),
and the body `body_timeout` seconds from the first read that left it incomplete (408 and the connection
closed). A request that arrives in one read, as nearly all do, arms no timer at all.
The figures are the service's settings (CERTLEDGER_MAX_HEADER_BYTES, CERTLEDGER_MAX_HEADERS,
CERTLEDGER_HEADER_TIMEOUT, CERTLEDGER_BODY_TIMEOUT), read once per worker.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from verify_api.settings import ServiceSettings

log = logging.getLogger("verify_api")


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@functools.cache
def _bounds() -> tuple[int, int, float, float]:
    s = ServiceSettings().with_file()
    return s.max_header_bytes, s.max_headers, s.header_timeout, s.body_timeout


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_header_bytes, self.max_headers, self.header_timeout, self.body_timeout = _bounds()
        self._in_head = True  # reading a request line and headers (or waiting for the next request's)
        self._head_bytes = 0
        self._header_count = 0
        self._tail = b""  # the head's last 3 bytes so far: its end may straddle two reads
        self._awaiting_body = False  # headers read, body not yet whole
        self._deadline: asyncio.TimerHandle | None = None
        self._deadline_for = ""  # "headers" or "body"

    # ------------------------------------------------------------- deadlines
    def _arm(self, seconds: float, why: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow, why)
        self._deadline_for = why

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline, self._deadline_for = None, ""

    def _too_slow(self, why: str) -> None:
        self._deadline, self._deadline_for = None, ""
        if self.transport.is_closing():
            return
        if why == "headers" and self._head_bytes == 0:
            self.transport.close()  # opened and never used: nothing to answer
            return
        self._refuse(408, f"the request {why} took too long")

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout, "headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # ------------------------------------------------------------ refusing
    def _refuse(self, status: int, reason: str) -> None:
        """Answer `status` with a one-line JSON body and close: the request never reaches the application."""
        self._disarm()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the application, if it runs, sees a disconnect and writes nothing
            cycle.message_event.set()
            if cycle.response_started:
                self.transport.close()
                return
        body = b'{"error":"' + (b"too_slow" if status == 408 else b"headers_too_large") + b'","message":"' \
            + reason.encode("ascii") + b'"}'
        self.transport.write(b"".join([
            STATUS_LINE[status], b"content-type: application/json\r\ncontent-length: ",
            str(len(body)).encode("ascii"), b"\r\nconnection: close\r\n\r\n", body]))
        self.transport.close()

    def _head_ends_within(self, data: bytes) -> bool:
        """Whether the head ends in `data` within the limit (only asked once the bytes counted pass it)."""
        before = self._head_bytes - len(data)
        end = (self._tail + data).find(b"\r\n\r\n")
        return end != -1 and before + end - len(self._tail) + 4 <= self.max_header_bytes

    # --------------------------------------------------------------- reading
    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_header_bytes and not self._head_ends_within(data):
                self._refuse(431, f"the request line and headers are over {self.max_header_bytes} bytes")
                return
            self._tail = data[-3:] if len(data) >= 3 else (self._tail + data)[-3:]
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as e:
            if isinstance(e.__context__, _Refused):
                self._refuse(e.__context__.status, e.__context__.reason)
            else:
                self._invalid()
            return
        except httptools.HttpParserError:
            self._invalid()
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        # A request that arrived whole (the usual case) costs no timer; a part of one starts its clock.
        if self._in_head:
            if self._head_bytes and self._deadline is None:
                self._arm(self.header_timeout, "headers")
        elif self._awaiting_body and self._deadline_for != "body":
            self._arm(self.body_timeout, "body")

    def _invalid(self) -> None:
        self._disarm()
        self.logger.warning("Invalid HTTP request received.")
        self.send_400_response("Invalid HTTP request received.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_count = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.max_headers:
            raise _Refused(431, f"a request has at most {self.max_headers} headers")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        self._in_head, self._awaiting_body = False, True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._in_head, self._awaiting_body, self._head_bytes, self._tail = True, False, 0, b""
        super().on_message_complete()
