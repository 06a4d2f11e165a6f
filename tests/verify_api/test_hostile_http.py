"""Hostile HTTP clients against a real `certledger serve` (raw sockets): huge and many headers, slow headers
and bodies, idle connections. The server's protocol refuses them (verify_api/protocol.py) while /healthz
keeps answering."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Cli
from tests.verify_api.served import PASSPHRASES, Server, free_port

pytestmark = pytest.mark.e2e
HEADER_TIMEOUT, BODY_TIMEOUT, MAX_HEADER_BYTES, KEEP_ALIVE = 2.0, 3.0, 16384, 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("hostile")
    cli = Cli(home=tmp / "home", cwd=tmp, extra_env={
        **PASSPHRASES, "CERTLEDGER_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "CERTLEDGER_BODY_TIMEOUT": str(BODY_TIMEOUT),
        "CERTLEDGER_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES), "CERTLEDGER_MAX_HEADERS": "32"})
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli("keys", "init").code == 0
    # One worker: a stalled event loop would stall /healthz.
    s = Server(cli, free_port()).start("--workers", "1", "--timeout-keep-alive", str(KEEP_ALIVE))
    yield s
    s.stop()


def connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=15)


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (or resets) the connection."""
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return out


def healthz_times(server: Server, stop: threading.Event) -> list[float]:
    times = []
    while not stop.is_set():
        started = time.perf_counter()
        assert server.get("/healthz").status == 200
        times.append(time.perf_counter() - started)
        time.sleep(0.02)
    return times


def test_a_100_mb_header_is_refused_at_once_and_healthz_keeps_answering(server: Server) -> None:
    stop = threading.Event()
    times: list[float] = []
    watcher = threading.Thread(target=lambda: times.extend(healthz_times(server, stop)))
    watcher.start()
    sent, started = 0, time.perf_counter()
    try:
        with connect(server) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
            chunk = b"a" * 65536
            try:
                while sent < 100 * 1024 * 1024:
                    sock.sendall(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            refused_after = time.perf_counter() - started
    finally:
        time.sleep(0.3)
        stop.set()
        watcher.join()
    assert sent < 8 * 1024 * 1024, f"the server read {sent:,} bytes of one header"
    assert refused_after < 3, refused_after
    assert times and max(times) < 1.0, max(times)  # stock httptools: 3-7 s while it parses the header


def test_a_header_over_the_limit_is_a_431_and_one_within_it_is_served(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * MAX_HEADER_BYTES + b"\r\n\r\n")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 ") and b"headers_too_large" in answer
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
                     + b"a" * (MAX_HEADER_BYTES - 200) + b"\r\n\r\n")
        assert read_all(sock).startswith(b"HTTP/1.1 200 ")


def test_too_many_headers_are_a_431(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(40))
                     + b"\r\n")
        assert read_all(sock).startswith(b"HTTP/1.1 431 ")


def trickle(sock: socket.socket, data: bytes, every: float, give_up: float) -> float:
    """Send `data` a byte at a time; the seconds until the server closed the connection (or `give_up`)."""
    started = time.perf_counter()
    sock.settimeout(every)
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
            sock.recv(1, socket.MSG_PEEK)
            break  # the server answered or closed: cut off
        except TimeoutError:
            pass  # nothing from the server yet: the next byte
        except (BrokenPipeError, ConnectionResetError):
            break
        if time.perf_counter() - started > give_up:
            break
    return time.perf_counter() - started


def test_a_client_sending_one_header_byte_a_second_is_cut_off_within_the_timeout(server: Server) -> None:
    with connect(server) as sock:
        took = trickle(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60, every=1.0, give_up=12)
        sock.settimeout(5)
        answer = read_all(sock)
    assert took < HEADER_TIMEOUT + 1.5, took
    assert answer.startswith(b"HTTP/1.1 408 ") and b"too_slow" in answer


def test_a_slow_body_is_cut_off_within_the_timeout(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST /api/v1/verify/pdf HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
                     b"boundary=b\r\nContent-Length: 4000\r\n\r\n")
        took = trickle(sock, b"--b\r\n" + b"a" * 3000, every=0.5, give_up=15)
        sock.settimeout(5)
        answer = read_all(sock)
    assert took < BODY_TIMEOUT + 1.5, took
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(server: Server) -> None:
    started = time.perf_counter()
    with connect(server) as sock:
        assert read_all(sock) == b""
    assert time.perf_counter() - started < HEADER_TIMEOUT + 1.5


def test_kept_alive_requests_are_served_and_an_idle_connection_is_closed(server: Server) -> None:
    with connect(server) as sock:
        for _ in range(3):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while b'"status":"ok"' not in answer:
                answer += sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200 ")
        started = time.perf_counter()
        assert read_all(sock) == b""  # closed by the server once idle for --timeout-keep-alive
    assert KEEP_ALIVE - 0.2 < time.perf_counter() - started < KEEP_ALIVE + 1.5
