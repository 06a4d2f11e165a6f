"""The login page, logging in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.login import log_in
from console.render import page
from console.security import checked_post, console_of, cookie_name, same_origin
from console.sessions import Session

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return page(request, "login.html", {"title": "登录"})


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          totp: Annotated[str, Form()] = "") -> Response:
    same_origin(request)
    console = console_of(request)
    address = request.client.host if request.client else "-"
    session = log_in(console, username, password, totp, address)
    response = RedirectResponse("/", status_code=303)
    secure = console.settings.console_secure_cookies
    response.set_cookie(cookie_name(console), session.sid, httponly=True, samesite="strict", secure=secure,
                        path="/", max_age=console.settings.console_session_hours * 3600)
    return response


@router.post("/logout")
def logout(request: Request, session: Annotated[Session, Depends(checked_post)]) -> Response:
    console = console_of(request)
    console.sessions.end(session.sid)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookie_name(console), path="/", secure=console.settings.console_secure_cookies,
                           httponly=True, samesite="strict")
    return response
