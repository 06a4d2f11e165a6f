"""The console application: `create_app(settings)` for tests, `create_app_from_env` for uvicorn."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from console import errors
from console.routes import accounts, audit, auth, batch, custody, documents, imports, issuing, own, work
from console.security import HEADERS
from console.settings import ConsoleSettings
from console.state import Console

MAX_BODY = 4 * 1024 * 1024  # a form with its uploads
MAX_PACKAGE_BODY = batch.MAX_PACKAGE_BYTES + 1024 * 1024  # a month's batch package (/batch/check) and its form


def _configure_logging() -> None:
    logger = logging.getLogger("console")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def create_app(settings: ConsoleSettings | None = None, *, console: Console | None = None) -> FastAPI:
    settings = settings or ConsoleSettings().with_file()
    _configure_logging()
    state = console or Console.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.close()

    app = FastAPI(title="certledger console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = state
    errors.install(app)
    for module in (auth, work, documents, accounts, batch, custody, issuing, imports, own, audit):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        declared = request.headers.get("content-length", "0")
        limit = MAX_PACKAGE_BODY if request.url.path == "/batch/check" else MAX_BODY
        if not declared.isdigit() or int(declared) > limit:  # refused before any of it is parsed
            response: Response = errors.error_page(request, 413, "请求过大",
                                                   f"请求体超过 {limit // (1024 * 1024)} MB 或长度无效")
        else:
            response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def create_app_from_env() -> FastAPI:
    return create_app()
