"""The verification service: `create_app(settings)` for tests and embedding, `create_app_from_env` for uvicorn.

    uvicorn verify_api.app:create_app_from_env --factory     (or: certledger serve)

Each worker process builds its own service from the CERTLEDGER_* environment (and
`<home>/config.json`): its own ledger reader, trust list cache and record writer.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from verify_api import errors
from verify_api.deps import Limits
from verify_api.middleware import ServiceMiddleware
from verify_api.routers import log, lookup, meta, pages, upload, verify
from verify_api.service import VerificationService
from verify_api.settings import ServiceSettings
from verify_api.token_route import TokenRoute

DESCRIPTION = """Verifies certledger documents: the page behind a proof's QR code, the same verdict as JSON,
a full check of an uploaded signed PDF, a number + name lookup, the signed trust list, and the
transparency log's signed checkpoints with RFC 6962 inclusion and consistency proofs.
ID numbers are only ever shown masked (`370124XXXXXXXXXXXX`)."""


def _configure_logging() -> None:
    # uvicorn configures its own loggers only; the service's lines go to stderr beside them.
    logger = logging.getLogger("verify_api")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def create_app(settings: ServiceSettings | None = None, *, service: VerificationService | None = None) -> FastAPI:
    """The FastAPI application on the configured ledger and trust list."""
    settings = settings or ServiceSettings().with_file()
    _configure_logging()
    svc = service or VerificationService.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            svc.close()  # the last verification counts are written
            app.state.limits.close()

    app = FastAPI(
        title="certledger verification", version="1", description=DESCRIPTION, lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",  # no docs UI: it loads external assets
        # No tracing: spans would carry paths, and paths carry tokens.
        telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
    )
    app.state.service = svc
    app.state.limits = Limits.of(settings, getattr(svc, "writes", None))
    errors.install(app)
    # The QR scans first (before even /openapi.json), on the application's own router: an included
    # router is one more level of matching per request (5 % of the token endpoint's throughput,
    # measured). Their paths are complete.
    app.router.routes[:0] = [*verify.router.routes, *pages.router.routes]
    for module in (lookup, log, meta):
        app.include_router(module.router)
    # Room for the multipart envelope around a file of max_upload_bytes. Only the upload router reads a body,
    # so only it pays for the streaming limit; the middleware refuses a declared length over it at once.
    max_body = settings.max_upload_bytes + 64 * 1024
    app.include_router(upload.router, max_body_size=max_body)
    app.add_middleware(TokenRoute, service=svc)  # inside ServiceMiddleware: the same headers, log and last catch
    app.add_middleware(ServiceMiddleware, max_body=max_body, hsts=settings.hsts, access_log=settings.access_log,
                       debug=settings.debug)
    return app


def create_app_from_env() -> FastAPI:
    """The application as a uvicorn worker builds it: settings from the environment and <home>/config.json."""
    from config.datadir import private_umask

    private_umask()  # the verification counts and rate limits it creates: the owner's alone
    return create_app(ServiceSettings().with_file())
