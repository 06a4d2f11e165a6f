"""Who is asking and may they: the session behind the cookie, the role's permission, and for every POST the
same-origin check (Origin, else Referer) and the session's CSRF token. Headers every page carries."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from console.errors import LoginRequired, Refused
from console.sessions import Session
from console.state import Console
from office.roles import Action

COOKIE = "certledger-console"
SECURE_COOKIE = "__Host-certledger-console"  # Secure, Path=/, no Domain: only this origin may set it

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store",
    "X-Frame-Options": "SAMEORIGIN",
}


def console_of(request: Request) -> Console:
    return request.app.state.console  # type: ignore[no-any-return]


def cookie_name(console: Console) -> str:
    return SECURE_COOKIE if console.settings.console_secure_cookies else COOKIE


def current_session(request: Request) -> Session:
    console = console_of(request)
    session = console.sessions.get(request.cookies.get(cookie_name(console)), console.now())
    if session is None:
        raise LoginRequired()
    account = console.accounts.find(session.username)
    if account is None or account.disabled:
        console.sessions.end(session.sid)
        raise LoginRequired()
    request.state.session = session
    return session


def same_origin(request: Request) -> None:
    """A POST from a page of this console only: Origin (or, without it, Referer) must be this origin."""
    expected = console_of(request).settings.console_trusted_origin or \
        f"{request.url.scheme}://{request.headers.get('host', '')}"
    origin = request.headers.get("origin")
    referer = request.headers.get("referer", "")
    ok = origin == expected if origin is not None else (referer == expected or referer.startswith(expected + "/"))
    if not ok:
        raise Refused(403, "跨站请求被拒绝：表单只能从本系统的页面提交（Origin/Referer 不是本站）", "origin")


async def checked_post(request: Request, session: Annotated[Session, Depends(current_session)]) -> Session:
    same_origin(request)
    form = await request.form()
    token = form.get("csrf")
    if not isinstance(token, str) or not secrets.compare_digest(token, session.csrf):
        raise Refused(403, "表单令牌（csrf）无效或缺失：请刷新页面后重新提交", "csrf")
    return session


def require(action: Action, *, post: bool = False) -> Callable[..., object]:
    """A dependency: the live session, whose role may do `action` (and, for a POST, a checked form)."""
    base = checked_post if post else current_session

    def dependency(session: Session = Depends(base)) -> Session:  # noqa: B008 (a local: no Annotated alias)
        if not session.may(action):
            raise Refused(403, f"您的角色（{session.role.label}）不能执行「{action.label}」；"
                               "请由有此权限的人员办理", "role")
        return session

    return dependency


Reader = Annotated[Session, Depends(require(Action.READ))]
