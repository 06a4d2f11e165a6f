"""The console in Debian's Chromium (Playwright, the system browser; nothing downloaded) against a real
`certledger console` process: the Shandong window case through the pages only, a clerk refused a head's step,
a logged-out browser seeing only the login page, a cross-site form refused. Screenshots go to docs/ when
CERTLEDGER_SCREENSHOTS=1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import CLERK_PASSWORD, HEAD_PASSWORD, HOLDER_ID, NUMBER, REVIEWER_PASSWORD, WELDER
from tests.console.serving import CHROMIUM, console_process, log_in_page
from tests.e2e.conftest import Cli

DOCS = Path(__file__).resolve().parents[2] / "docs"
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")]


@pytest.fixture
def served(home: Path, cli: Cli) -> Iterator[str]:
    for name, role, password in (("李四", "clerk", CLERK_PASSWORD), ("赵六", "reviewer", REVIEWER_PASSWORD)):
        staff = Cli(home, home.parent, {"CERTLEDGER_NEW_OPERATOR_PASSPHRASE": password})
        r = staff("console", "account", "add", "--username", name, "--role", role)
        assert r.code == 0, r.err
    # An online reissue applied a month ago and never accepted: overdue, so first in the queue.
    r = cli("request", "apply", WELDER, "--kind", "reissue", "--applicant", "孙九", "--channel", "online",
            "--on", "2026-11-02")
    assert r.code == 0, r.err
    with console_process(cli) as base:
        yield base


def _log_in(browser: object, base: str, username: str, password: str) -> object:
    return log_in_page(browser, base, username, password)


def _shot(page: object, name: str) -> None:
    if os.environ.get("CERTLEDGER_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / f"console-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_shandong_window_case_through_the_pages(served: str, chromium: object) -> None:
    base = served
    anonymous = chromium.new_page()  # type: ignore[attr-defined]
    anonymous.goto(base + f"/documents/{NUMBER}")
    assert anonymous.url == base + "/login" and "王五" not in anonymous.content()

    clerk = _log_in(chromium, base, "李四", CLERK_PASSWORD)
    request_url = _accept_at_the_window(clerk, base)
    _review_with_a_mismatch(_log_in(chromium, base, "赵六", REVIEWER_PASSWORD), request_url)

    clerk.goto(request_url)  # a clerk cannot sign: the head's step is refused server-side
    response = clerk.request.post(request_url + "/prove",  # type: ignore[attr-defined]
                                  form={"csrf": clerk.input_value("input[name=csrf]")},  # type: ignore[attr-defined]
                                  headers={"origin": base})
    assert response.status == 403 and "不能执行「签发」" in response.text()

    _sign_and_preview(_log_in(chromium, base, "张三", HEAD_PASSWORD), request_url)
    _mail(clerk, base, request_url)


def _accept_at_the_window(clerk: object, base: str) -> str:
    """The clerk takes the application; the queue shows it behind the overdue online request."""
    page: Any = clerk
    page.click("text=受理申请")
    page.fill("input[name=number]", NUMBER)
    page.select_option("select[name=kind]", "proof")
    page.fill("input[name=applicant]", "王五")
    page.fill("input[name=id_number]", HOLDER_ID)
    page.click("button.primary")
    assert "已受理" in page.content()
    request_url: str = page.url
    page.goto(base + "/")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 2 and "u-overdue" in (rows.nth(0).get_attribute("class") or "")
    assert "已超期" in rows.nth(0).inner_text() and WELDER in rows.nth(0).inner_text()
    _shot(page, "queue")
    return request_url


def _review_with_a_mismatch(reviewer: object, request_url: str) -> None:
    """The reviewer's comparison flags the stated level; corrected, the request is approved."""
    page: Any = reviewer
    page.goto(request_url)
    for check, value in (("name", "王五"), ("id_number", HOLDER_ID), ("certificate_number", NUMBER),
                         ("level", "四级"), ("specialty", "电工"), ("approval_date", "2019-06-01")):
        page.fill(f"#stated_{check}", value)
    page.click("button[value=compare]")
    assert page.locator("tr.mismatch[data-check=level]").count() == 1
    _shot(page, "review")
    page.fill("#stated_level", "三级")
    page.check("input[name=photo]")
    page.click("button[value=approve]")
    assert "审核通过" in page.content()


def _sign_and_preview(head: object, request_url: str) -> None:
    """The head signs; the proof's page and its print view are real images."""
    page: Any = head
    page.goto(request_url)
    page.click("text=签发并生成 PDF")
    assert "/proofs/SM-" in page.url
    page.wait_for_load_state("networkidle")  # the page's image (wait_for_function would need CSP's unsafe-eval)
    assert page.locator("img.page").evaluate("img => img.naturalWidth") > 1000
    _shot(page, "proof-preview")
    page.click("#print-view")
    page.wait_for_load_state("networkidle")
    assert page.locator("img.sheet").evaluate("img => img.naturalWidth") > 1000  # A4 at 150 dpi: 1240 px


def _mail(clerk: object, base: str, request_url: str) -> None:
    """The clerk records the mailing; the document's timeline shows the tracking number."""
    page: Any = clerk
    page.goto(request_url)
    page.fill("input[name=tracking]", "EA123456789CN")
    page.fill("input[name=address]", "济南市历下区解放路 1 号")
    page.click("text=登记邮寄")
    assert "已送达" in page.content()
    page.goto(base + f"/documents/{NUMBER}")
    assert "EA123456789CN" in page.content()
    _shot(page, "timeline")


def test_a_cross_site_form_post_is_refused(served: str, chromium: object, tmp_path: Path) -> None:
    clerk = _log_in(chromium, served, "李四", CLERK_PASSWORD)
    csrf = clerk.input_value("input[name=csrf]")
    # Another site's page (a file:// origin here) posting the clerk's form with a stolen token: the browser
    # sends no cookie (SameSite=Strict) and the console refuses the origin.
    evil = tmp_path / "evil.html"
    evil.write_text(f'<form method="post" action="{served}/requests"><input name="csrf" value="{csrf}">'
                    f'<input name="number" value="{NUMBER}"><input name="kind" value="proof">'
                    '<input name="applicant" value="王五"></form><script>document.forms[0].submit()</script>',
                    "utf-8")
    clerk.goto(evil.as_uri())
    clerk.wait_for_load_state()
    assert clerk.url.startswith(served + "/login") or "跨站请求被拒绝" in clerk.content()
    clerk.goto(served + "/")
    rows = clerk.locator("table.queue tbody tr")
    assert rows.count() == 1 and "王五" not in rows.nth(0).inner_text()  # only the fixture's overdue request


PAGES = ("/", "/requests/new", f"/documents/{NUMBER}", "/batch", "/custody", "/audit", "/certificates/new",
         "/accounts")


@pytest.mark.parametrize("viewport, scale", [({"width": 820, "height": 1180}, 1),  # a tablet at the window
                                             ({"width": 640, "height": 430}, 2)])  # 1280×860 at 200 % zoom
def test_a_tablet_and_200_percent_zoom_need_no_horizontal_scroll_and_the_keyboard_reaches_the_form(
        served: str, chromium: object, viewport: dict[str, int], scale: int) -> None:
    page = log_in_page(chromium, served, "张三", HEAD_PASSWORD, viewport=viewport, device_scale_factor=scale)
    for path in PAGES:
        page.goto(served + path)  # type: ignore[attr-defined]
        wide = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")  # type: ignore[attr-defined]
        assert wide[0] <= wide[1], (path, wide)
    page.goto(served + "/requests/new")  # type: ignore[attr-defined]
    reached = []
    for _ in range(40):  # Tab alone reaches every field and the form's button
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        reached.append(page.evaluate("() => document.activeElement.name || document.activeElement.textContent.trim()"))  # type: ignore[attr-defined]
        if reached[-1] == "提交申请":
            break
    assert {"number", "kind", "applicant", "id_number"} <= set(reached) and reached[-1] == "提交申请", reached
