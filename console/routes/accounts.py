"""Accounts (head only): the list with the login record, a new account (its credential issued by the office key
and recorded in the ledger), role changes and disabling."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.errors import Refused
from console.render import page
from console.security import console_of, require
from console.sessions import Session
from office.enrol import create_account
from office.roles import Action, Role, parse_role

router = APIRouter()

Head = Annotated[Session, Depends(require(Action.ACCOUNTS))]
HeadPost = Annotated[Session, Depends(require(Action.ACCOUNTS, post=True))]


def _role(value: str) -> Role:
    try:
        return parse_role(value)
    except ValueError:
        raise Refused(400, "字段「角色」只能是：clerk（受理/办理）、reviewer（审核）、head（签发）、auditor（只读）",
                      "role") from None


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, session: Head) -> Response:
    console = console_of(request)
    return page(request, "accounts.html", {"title": "账号管理", "accounts": console.accounts.all(),
                                           "logins": console.accounts.logins(50), "roles": list(Role)})


@router.post("/accounts")
def add_account(request: Request, session: HeadPost, username: Annotated[str, Form()],
                role: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
    console = console_of(request)
    chosen = _role(role)
    with console.acting(session) as (ledger, who):
        create_account(ledger, who, console.office_key, console.credentials, console.accounts, username, chosen,
                       password)
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/{username}/role")
def set_role(request: Request, session: HeadPost, username: str, role: Annotated[str, Form()]) -> Response:
    console = console_of(request)
    if username == session.username:
        raise Refused(409, "不能修改自己的角色：请由另一位负责人办理", "role")
    console.accounts.set_role(username, _role(role))
    console.sessions.end_all_of(username)
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/{username}/disable")
def disable(request: Request, session: HeadPost, username: str, disabled: Annotated[str, Form()] = "1") -> Response:
    console = console_of(request)
    if username == session.username:
        raise Refused(409, "不能停用自己的账号", "username")
    console.accounts.set_disabled(username, disabled == "1")
    console.sessions.end_all_of(username)
    return RedirectResponse("/accounts", status_code=303)
