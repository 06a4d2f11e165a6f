"""Logging in: the rate limits, the argon2id hash, the TOTP code, then the credential unsealed with the same
password into the server-side session. Every attempt, good or bad, goes into the append-only login record."""

from __future__ import annotations

from datetime import timedelta

from console.errors import Refused
from console.sessions import Session
from console.state import Console
from office.accounts import OK
from office.enrol import unseal
from office.passwords import needs_rehash, verify_password, verify_totp

_WRONG = "用户名或密码错误（或动态口令错误）"


def log_in(console: Console, username: str, password: str, totp: str, address: str) -> Session:
    now = console.now()
    s = console.settings
    since = now - timedelta(minutes=s.console_failure_window_minutes)
    name = username.strip()
    if console.accounts.failures_since(since=since, username=name) >= s.console_account_failures or \
            console.accounts.failures_since(since=since, address=address) >= s.console_address_failures:
        console.accounts.record_login(name, address, "rate-limited", now)
        raise Refused(429, f"登录失败次数过多：{s.console_failure_window_minutes} 分钟内同一账号最多 "
                           f"{s.console_account_failures} 次、同一地址最多 {s.console_address_failures} 次；"
                           "请稍后再试", "username")

    def fail(outcome: str, status: int = 401, message: str = _WRONG) -> Refused:
        console.accounts.record_login(name, address, outcome, now)
        return Refused(status, message, "password")

    account = console.accounts.find(name)
    if account is None:
        verify_password(None, password)  # as slow as a wrong password
        raise fail("unknown-account")
    if not verify_password(account.password_hash, password):
        raise fail("bad-password")
    if account.totp_secret and not verify_totp(account.totp_secret, totp):
        raise fail("bad-totp")
    if account.disabled:
        raise fail("disabled", 403, "此账号已停用：请联系本机构负责人")
    held = next((h for h in console.credentials.held() if h.credential == account.credential), None)
    signer = unseal(console.credentials, held, password) if held is not None else None
    if signer is None:
        raise fail("no-credential", 403, "此账号的操作员凭证不在本机或不能用此密码解开：请联系本机构负责人")
    if needs_rehash(account.password_hash):
        from office.passwords import hash_password

        console.accounts.rehash(name, hash_password(password))
    console.accounts.record_login(name, address, OK, now)
    return console.sessions.start(account.username, account.office, account.role, signer, now)
