"""The console's one translation layer: every refusal becomes a page in Chinese naming the field and the rule,
with its status (400, 403, 404, 409, 413, 422, 429); a logged-out browser is sent to the login page (303).
Nothing answers with a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from console.labels import field
from console.render import page
from keys.errors import KeysError
from ledger.errors import AlreadyExists, Conflict, InvalidInput, LedgerError, NotFound, RuleViolation

log = logging.getLogger("console")


class LoginRequired(Exception):
    """No live session: the browser goes to the login page."""


class Refused(Exception):
    """A request the console itself refuses (role, CSRF, origin, rate limit, a form field)."""

    def __init__(self, status: int, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field_name


def error_page(request: Request, status: int, title: str, message: str, detail: str = "") -> HTMLResponse:
    response = page(request, "error.html", {"title": title, "message": message, "detail": detail}, status=status)
    return response


def _ledger_error(request: Request, e: LedgerError) -> HTMLResponse:
    if isinstance(e, InvalidInput):
        return error_page(request, 400, "输入有误", f"字段「{field(e.field)}」不符合规则：{e.rule}", e.field)
    if isinstance(e, NotFound):
        return error_page(request, 404, "未找到", f"未找到：{e.message}")
    if isinstance(e, RuleViolation):
        remedy = f"；办法：{e.remedy}" if e.remedy else ""
        return error_page(request, 409, "业务规则不允许", f"规则「{e.rule}」不允许此操作：{e.message}{remedy}",
                           e.rule)
    if isinstance(e, AlreadyExists | Conflict):
        return error_page(request, 409, "冲突", f"记录已存在或已被他人修改，未写入任何内容：{e.message}")
    return error_page(request, 400, "不能办理", e.message)


def _rule(error: dict[str, object]) -> str:
    """A request validation error's rule in Chinese (pydantic's message where none is known)."""
    raw = error.get("ctx")
    ctx: dict[str, object] = raw if isinstance(raw, dict) else {}
    known = {"missing": "必填", "int_parsing": "须为整数", "bool_parsing": "须为是或否",
             "greater_than_equal": f"不能小于 {ctx.get('ge')}", "less_than_equal": f"不能大于 {ctx.get('le')}",
             "string_too_long": "过长"}
    return known.get(str(error.get("type")), f"格式不对（{error.get('msg', '')}）")


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, e: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, e: Refused) -> Response:
        titles = {403: "不允许", 413: "文件过大", 429: "尝试过多"}
        return error_page(request, e.status, titles.get(e.status, "输入有误"), e.message, e.field or "")

    @app.exception_handler(LedgerError)
    async def _ledger(request: Request, e: LedgerError) -> Response:
        return _ledger_error(request, e)

    @app.exception_handler(KeysError)
    async def _keys(request: Request, e: KeysError) -> Response:
        return error_page(request, 400, "密钥或凭证", f"密钥或凭证不能使用：{e}")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError) -> Response:
        first = e.errors()[0] if e.errors() else {}
        name = str(first.get("loc", ("", "?"))[-1])
        rule = _rule(first)
        return error_page(request, 422, "输入有误", f"字段「{field(name)}」{rule}", name)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, e: HTTPException) -> Response:
        messages = {404: "没有这个页面", 405: "此页面不接受这种请求方式"}
        return error_page(request, e.status_code, "请求有误", messages.get(e.status_code, str(e.detail)))

    @app.exception_handler(Exception)
    async def _internal(request: Request, e: Exception) -> Response:
        log.error("internal error on %s: %s", request.url.path, type(e).__name__)
        return error_page(request, 500, "内部错误", "系统内部错误，未完成此操作；请联系管理员。")
