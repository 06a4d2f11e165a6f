"""本人账号: an operator's own account, whatever her role: her role and office, and TOTP enrolment (动态口令): a
new secret shown once, kept in her session only until she confirms it with a code from her authenticator and
her password; then every later login asks for a code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.errors import Refused
from console.render import page
from console.security import Reader, console_of, require
from console.sessions import Session
from office.passwords import new_totp_secret, totp_uri, verify_password, verify_totp
from office.roles import Action

router = APIRouter()
Own = Annotated[Session, Depends(require(Action.READ, post=True))]


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@router.get("/me", response_class=HTMLResponse)
def own_page(request: Request, session: Reader) -> Response:
    account = console_of(request).accounts.get(session.username)
    pending = session.pending_totp
    return page(request, "own.html", {"title": "本人账号", "account": account,
                                      "pending": _grouped(pending) if pending else None,
                                      "uri": totp_uri(pending, session.username) if pending else None,
                                      "password_changed": request.query_params.get("password") == "changed"})


@router.post("/me/totp/start")
def start_totp(request: Request, session: Own) -> Response:
    session.pending_totp = new_totp_secret()
    return RedirectResponse("/me#totp", status_code=303)


@router.post("/me/totp")
def confirm_totp(request: Request, session: Own, password: Annotated[str, Form()] = "",
                 code: Annotated[str, Form()] = "") -> Response:
    console = console_of(request)
    secret = session.pending_totp
    if secret is None:
        raise Refused(409, "尚未生成动态口令密钥：请先点击「启用动态口令」", "totp")
    account = console.accounts.get(session.username)
    if not verify_password(account.password_hash, password):
        raise Refused(400, "字段「密码」不正确：确认启用动态口令需要本人密码", "password")
    if not verify_totp(secret, code):
        raise Refused(400, "字段「动态口令」不正确：请输入验证器上当前显示的 6 位数字", "totp")
    console.accounts.set_totp(session.username, secret)
    session.pending_totp = None
    return RedirectResponse("/me?totp=on", status_code=303)


@router.post("/me/password")
def change_password(request: Request, session: Own, password: Annotated[str, Form()] = "",
                    new_password: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "") -> Response:
    """A new password: it is also the passphrase of her credential's key file, so the file is sealed anew with
    it (keys.credentials.change_passphrase) before the hash changes; a refusal changes neither."""
    from keys.credentials import change_passphrase
    from keys.errors import KeysError
    from office.passwords import hash_password

    console = console_of(request)
    account = console.accounts.get(session.username)
    if not verify_password(account.password_hash, password):
        raise Refused(400, "字段「当前密码」不正确", "password")
    if new_password != confirm:
        raise Refused(400, "字段「确认新密码」与新密码不一致", "confirm")
    held = next((h for h in console.credentials.held() if h.credential == account.credential), None)
    if held is None:
        raise Refused(409, "此账号的操作员凭证不在本机：请联系本机构负责人", "credential")
    try:
        change_passphrase(console.credentials, held, password, new_password)
    except KeysError as e:
        raise Refused(400, f"字段「新密码」不符合规则：{e}", "new_password") from None
    console.accounts.rehash(session.username, hash_password(new_password))
    return RedirectResponse("/me?password=changed", status_code=303)
