"""A real `certledger console` process on a free port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import CERTLEDGER, Cli

CHROMIUM = Path("/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def console_process(cli: Cli, *pre: str) -> Iterator[str]:
    """`certledger [pre…] console --port P` until the block ends; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([str(CERTLEDGER), *pre, "console", "--port", str(port)], cwd=cli.cwd, env=cli.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def chromium_browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def log_in_page(browser: object, base: str, username: str, password: str, **context: object) -> object:
    """A new browser context logged in as `username`, on the queue page."""
    options = {"viewport": {"width": 1280, "height": 860}, **context}
    page = browser.new_context(**options).new_page()  # type: ignore[attr-defined]
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(base + "/")
    return page
