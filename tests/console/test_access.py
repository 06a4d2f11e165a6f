"""Who may see and do what: logged-out users see only the login page, each role only its own steps, every POST
is same-origin and carries its session's CSRF token, logins are hashed, rate-limited and recorded."""

from __future__ import annotations

import sqlite3

import pyotp
import pytest

from tests.console.conftest import (
    CLERK_PASSWORD,
    HEAD_PASSWORD,
    NUMBER,
    REVIEWER_PASSWORD,
    client_of,
    log_in,
    post,
)


@pytest.mark.parametrize("path", ["/", "/requests/new", "/accounts", f"/documents/{NUMBER}", "/requests/SQ-1",
                                  "/proofs/SM-1/pdf"])
def test_a_logged_out_user_is_sent_to_the_login_page_and_sees_nothing(browser, path) -> None:
    r = browser.get(path)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "王五" not in r.text and NUMBER not in r.text


def test_a_logged_out_post_changes_nothing(browser) -> None:
    r = browser.post("/requests", data={"number": NUMBER, "kind": "proof", "applicant": "王五"})
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_the_head_logs_in_with_her_credentials_passphrase_and_sees_the_queue(browser) -> None:
    log_in(browser, "张三", HEAD_PASSWORD)
    page = browser.get("/")
    assert "工作台" in page.text and "张三" in page.text and "签发" in page.text


def test_the_session_cookie_is_httponly_and_samesite_strict(browser) -> None:
    r = browser.post("/login", data={"username": "张三", "password": HEAD_PASSWORD})
    cookie = r.headers["set-cookie"]
    assert "certledger-console=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_a_wrong_password_is_refused_in_chinese_and_recorded(browser, home) -> None:
    r = browser.post("/login", data={"username": "张三", "password": "not-the-password-1501"})
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = browser.post("/login", data={"username": "无此人", "password": "whatever-password-1501"})
    assert r.status_code == 401
    with sqlite3.connect(home / "console-accounts.sqlite") as db:
        outcomes = db.execute("SELECT username, outcome FROM logins ORDER BY id").fetchall()
        hashed = db.execute("SELECT password_hash FROM accounts").fetchone()[0]
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM logins")
    assert outcomes == [("张三", "bad-password"), ("无此人", "unknown-account")]
    assert hashed.startswith("$argon2id$") and HEAD_PASSWORD not in hashed


def test_after_five_failures_even_the_right_password_waits(browser, clock) -> None:
    for _ in range(5):
        assert browser.post("/login", data={"username": "张三", "password": "wrong-password-1501"}).status_code == 401
    r = browser.post("/login", data={"username": "张三", "password": HEAD_PASSWORD})
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    clock.advance(minutes=16)
    assert browser.post("/login", data={"username": "张三", "password": HEAD_PASSWORD}).status_code == 303


def test_a_post_without_the_sessions_csrf_token_is_refused(browser) -> None:
    log_in(browser, "张三", HEAD_PASSWORD)
    r = browser.post("/requests", data={"number": NUMBER, "kind": "proof", "applicant": "王五"})
    assert r.status_code == 403 and "csrf" in r.text
    r = post(browser, "/requests", "forged-token", number=NUMBER, kind="proof", applicant="王五")
    assert r.status_code == 403


def test_a_cross_site_form_post_is_refused_even_with_the_token(app) -> None:
    client = client_of(app)
    csrf = log_in(client, "张三", HEAD_PASSWORD)
    client.headers["origin"] = "https://evil.example"
    r = post(client, "/requests", csrf, number=NUMBER, kind="proof", applicant="王五")
    assert r.status_code == 403 and "跨站请求被拒绝" in r.text
    del client.headers["origin"]
    client.headers["referer"] = "https://evil.example/form"
    assert post(client, "/requests", csrf, number=NUMBER, kind="proof", applicant="王五").status_code == 403


def test_an_idle_session_ends(browser, clock) -> None:
    log_in(browser, "张三", HEAD_PASSWORD)
    clock.advance(minutes=31)
    assert browser.get("/").status_code == 303


def test_logout_drops_the_session(browser) -> None:
    csrf = log_in(browser, "张三", HEAD_PASSWORD)
    cookie = dict(browser.cookies)
    assert post(browser, "/logout", csrf).status_code == 303
    browser.cookies.update(cookie)  # the old cookie, replayed
    assert browser.get("/").status_code == 303


def make_staff(app) -> None:
    head = client_of(app)
    csrf = log_in(head, "张三", HEAD_PASSWORD)
    for name, role, password in (("李四", "clerk", CLERK_PASSWORD), ("赵六", "reviewer", REVIEWER_PASSWORD),
                                 ("钱七", "auditor", "auditor-reads-secret-1501")):
        r = post(head, "/accounts", csrf, username=name, role=role, password=password)
        assert r.status_code == 303, r.text


def test_a_head_creates_accounts_whose_credentials_the_ledger_records(app, cli) -> None:
    make_staff(app)
    listed = cli("--json", "operator", "list").json()
    assert {r["operator"] for r in listed} >= {"张三", "李四", "赵六", "钱七"}  # type: ignore[union-attr]
    assert all(r["state"] == "enrolled" for r in listed)  # type: ignore[union-attr]
    accounts = cli("--json", "console", "account", "list").json()
    assert {(a["username"], a["role"]) for a in accounts} == {  # type: ignore[union-attr]
        ("张三", "head"), ("李四", "clerk"), ("赵六", "reviewer"), ("钱七", "auditor")}


def test_a_weak_password_for_a_new_account_is_refused_naming_the_field(app) -> None:
    head = client_of(app)
    csrf = log_in(head, "张三", HEAD_PASSWORD)
    r = post(head, "/accounts", csrf, username="孙八", role="clerk", password="123456")
    assert r.status_code == 400 and "字段「密码」" in r.text
    r = post(head, "/accounts", csrf, username="孙八", role="boss", password=CLERK_PASSWORD)
    assert r.status_code == 400 and "字段「角色」" in r.text


def test_a_clerk_cannot_do_a_reviewers_or_heads_step(app) -> None:
    make_staff(app)
    clerk = client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", csrf, number=NUMBER, kind="proof", applicant="王五", channel="window", accept="1")
    assert r.status_code == 303
    request = r.headers["location"].rsplit("/", 1)[1]
    r = post(clerk, f"/requests/{request}/review", csrf, decision="approve")
    assert r.status_code == 403 and "不能执行「审核」" in r.text
    assert post(clerk, f"/requests/{request}/prove", csrf).status_code == 403
    assert clerk.get("/accounts").status_code == 403
    assert post(clerk, "/accounts", csrf, username="x", role="head", password=CLERK_PASSWORD).status_code == 403


def test_an_auditor_reads_and_writes_nothing(app) -> None:
    make_staff(app)
    auditor = client_of(app)
    csrf = log_in(auditor, "钱七", "auditor-reads-secret-1501")
    assert auditor.get(f"/documents/{NUMBER}").status_code == 200
    r = post(auditor, "/requests", csrf, number=NUMBER, kind="proof", applicant="王五")
    assert r.status_code == 403


def test_a_disabled_account_is_logged_out_and_cannot_log_in(app) -> None:
    make_staff(app)
    clerk = client_of(app)
    log_in(clerk, "李四", CLERK_PASSWORD)
    head = client_of(app)
    csrf = log_in(head, "张三", HEAD_PASSWORD)
    assert post(head, "/accounts/李四/disable", csrf, disabled="1").status_code == 303
    assert clerk.get("/").status_code == 303
    assert clerk.post("/login", data={"username": "李四", "password": CLERK_PASSWORD}).status_code == 403


def test_an_account_with_totp_needs_the_current_code(app) -> None:
    console = app.state.console
    secret = pyotp.random_base32()
    console.accounts.set_totp("张三", secret)
    client = client_of(app)
    assert client.post("/login", data={"username": "张三", "password": HEAD_PASSWORD}).status_code == 401
    assert client.post("/login", data={"username": "张三", "password": HEAD_PASSWORD,
                                       "totp": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"}
                       ).status_code == 401
    r = client.post("/login", data={"username": "张三", "password": HEAD_PASSWORD, "totp": pyotp.TOTP(secret).now()})
    assert r.status_code == 303


def test_behind_https_the_cookie_is_secure_with_the_host_prefix(home, clock) -> None:
    from console.app import create_app
    from console.state import Console
    from tests.console.conftest import console_settings

    settings = console_settings(home, console_secure_cookies=True)
    console = Console.from_settings(settings)
    try:
        client = client_of(create_app(settings, console=console))
        cookie = client.post("/login", data={"username": "张三", "password": HEAD_PASSWORD}).headers["set-cookie"]
        assert cookie.startswith("__Host-certledger-console=") and "Secure" in cookie and "Path=/" in cookie
        assert "Domain" not in cookie
    finally:
        console.close()


def test_every_page_forbids_framing_by_others_and_inline_scripts(browser) -> None:
    r = browser.get("/login")
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
