"""Headless Chromium renders the page behind the QR code, on a phone-sized window, for each verdict.

    CERTLEDGER_SCREENSHOTS_DIR=docs .venv/bin/python -m pytest tests/verify_api/test_browser.py

also writes the screenshots the README shows (docs/verify-*.png).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from html import unescape
from pathlib import Path

import pytest

from tests.verify_api.served import HOLDER_ID, Documents, Server

pytestmark = pytest.mark.e2e
Served = tuple[Server, Documents]
PHONE = (412, 915)

EXPECTED = {
    "current": ["真实有效", "Genuine and current", "书面证明", "王小明", HOLDER_ID[:6] + "X" * 12,
                "济南市人才服务中心", "已记入透明日志", "In the transparency log"],
    "superseded": ["已被替换", "Genuine, but superseded", "遗失补发", "reissued after loss",
                   "1915010000000202（第 2 版）", "查看新文件状态"],
    "revoked": ["已撤销", "Genuine, but revoked", "证书信息有误 data entered wrongly"],
    "forged": ["验证未通过", "Not genuine", "未通过的检查", "电子签名", "Failed check: signature"],
}


def chromium(*args: str, user_data: Path) -> subprocess.CompletedProcess[str]:
    """Headless Chromium as root in a container: no sandbox, no GPU, nothing fetched in the background."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("chromium is not installed: run scripts/setup-system.sh (Debian package chromium)", pytrace=False)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={user_data}"]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=120)


def rendered_text(dom: str) -> str:
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", dom, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("verdict", list(EXPECTED))
def test_chromium_renders_each_verdict_on_a_phone(served: Served, verdict: str, tmp_path: Path) -> None:
    server, docs = served
    url = f"{server.base}/V/{getattr(docs, verdict)}"
    dump = chromium("--dump-dom", url, user_data=tmp_path / "profile")
    assert dump.returncode == 0, dump.stderr[-2000:]
    text = rendered_text(dump.stdout)
    for expected in EXPECTED[verdict]:
        assert expected in text, f"{verdict}: {expected!r} not in the rendered page: {text[:500]}"
    assert HOLDER_ID not in dump.stdout

    shot = tmp_path / f"verify-{verdict}.png"
    taken = chromium(f"--screenshot={shot}", f"--window-size={PHONE[0]},{PHONE[1]}", url,
                     user_data=tmp_path / "profile")
    assert taken.returncode == 0 and shot.is_file(), taken.stderr[-2000:]
    assert png_size(shot) == PHONE and shot.stat().st_size > 10_000  # a page, not a blank
    target = os.environ.get("CERTLEDGER_SCREENSHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(target) / shot.name)
