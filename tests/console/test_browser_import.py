"""批量颁发 in Debian's Chromium against a real `certledger console` process: the head uploads a file through the
page and watches it finish (script polling the progress), a file with a bad row shows the row in Chinese, and
with JavaScript off the same upload ends on the same result page (the page refreshes itself)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import resident_id, with_wrong_check_char
from tests.console.conftest import HEAD_PASSWORD
from tests.console.serving import CHROMIUM, console_process, log_in_page
from tests.console.test_imports import csv_of
from tests.e2e.conftest import Cli

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")]


def _rows(first: int) -> list[tuple[str, str, str]]:
    return [(f"19150100007700{k:02d}", f"导入{k}", resident_id(date(1992, 3, 1 + k), serial=30 + k))
            for k in range(first, first + 2)]


@pytest.fixture
def served(cli: Cli) -> Iterator[str]:
    with console_process(cli) as base:
        yield base


def _upload(page: object, base: str, path: Path) -> None:
    page.goto(base + "/certificates/import")  # type: ignore[attr-defined]
    page.set_input_files("input[name=file]", str(path))  # type: ignore[attr-defined]
    page.click("button.primary")  # type: ignore[attr-defined]
    page.wait_for_selector("#outcome", timeout=30_000)  # type: ignore[attr-defined]


def test_the_head_issues_a_file_through_the_page_with_and_without_script(served: str, chromium: object,
                                                                        tmp_path: Path) -> None:
    base = served
    head = log_in_page(chromium, base, "张三", HEAD_PASSWORD)
    good = tmp_path / "三月.csv"
    good.write_bytes(csv_of(*_rows(0)))
    _upload(head, base, good)
    assert "已颁发 2 本证书" in head.inner_text("#outcome")  # type: ignore[attr-defined]
    assert head.get_attribute("#import-progress", "value") == "2"  # type: ignore[attr-defined]

    rows = _rows(2)
    bad = tmp_path / "四月.csv"
    bad.write_bytes(csv_of(rows[0], (rows[1][0], rows[1][1], with_wrong_check_char(rows[1][2]))))
    _upload(head, base, bad)
    assert "未写入任何内容" in head.inner_text("#outcome")  # type: ignore[attr-defined]
    assert "字段「证件号码」" in head.inner_text("tr[data-row='3']")  # type: ignore[attr-defined]
    head.goto(base + f"/documents/{rows[0][0]}")  # type: ignore[attr-defined]
    assert head.title().startswith("未找到")  # type: ignore[attr-defined]  # nothing of the bad file written

    plain = log_in_page(chromium, base, "张三", HEAD_PASSWORD, java_script_enabled=False)
    later = tmp_path / "五月.csv"
    later.write_bytes(csv_of(*_rows(4)))
    _upload(plain, base, later)
    assert "已颁发 2 本证书" in plain.inner_text("#outcome")  # type: ignore[attr-defined]


def test_the_head_enrols_totp_on_her_own_account_page(served: str, chromium: object) -> None:
    import pyotp

    base = served
    head = log_in_page(chromium, base, "张三", HEAD_PASSWORD)
    head.click("a[href='/me']")  # type: ignore[attr-defined]
    head.click("text=启用动态口令")  # type: ignore[attr-defined]
    secret = head.inner_text("#totp-secret").replace(" ", "")  # type: ignore[attr-defined]
    head.fill("input[name=code]", pyotp.TOTP(secret).now())  # type: ignore[attr-defined]
    head.fill("input[name=password]", HEAD_PASSWORD)  # type: ignore[attr-defined]
    head.click("text=确认启用")  # type: ignore[attr-defined]
    assert "已启用" in head.inner_text("#totp-state")  # type: ignore[attr-defined]
    again = chromium.new_page()  # type: ignore[attr-defined]
    again.goto(base + "/login")
    again.fill("input[name=username]", "张三")
    again.fill("input[name=password]", HEAD_PASSWORD)
    again.click("button.primary")
    assert again.url == base + "/login"  # no code, no login
