"""Dependencies as Annotated aliases: the service, the limits, the client's rate-limit buckets.

Every dependency is `async def`: a plain `def` would hop to the thread pool on each request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from verify_api.errors import ApiError
from verify_api.ratelimit import TokenBuckets, retry_after
from verify_api.service import VerificationService
from verify_api.settings import ServiceSettings

T = TypeVar("T")


@dataclass
class Limits:
    """Per-process limits: the lookup and upload buckets, and how many PDF checks run at once."""

    lookup: TokenBuckets
    pdf: TokenBuckets
    pdf_threads: anyio.CapacityLimiter

    @classmethod
    def of(cls, settings: ServiceSettings) -> Limits:
        return cls(TokenBuckets(settings.lookup_per_minute), TokenBuckets(settings.pdf_per_minute),
                   anyio.CapacityLimiter(max(settings.pdf_concurrency, 1)))


def service_of(request: Request) -> VerificationService:
    """The worker's service, as create_app put it on the application."""
    return request.app.state.service  # type: ignore[no-any-return]


async def get_service(request: Request) -> VerificationService:
    return service_of(request)


async def get_limits(request: Request) -> Limits:
    return request.app.state.limits  # type: ignore[no-any-return]


Service = Annotated[VerificationService, Depends(get_service)]
LimitsDep = Annotated[Limits, Depends(get_limits)]


def _client(request: Request) -> str:
    # Behind a proxy, uvicorn's proxy-headers support has already put the real client here.
    return request.client.host if request.client else "unknown"


def _spend(buckets: TokenBuckets, request: Request, what: str) -> None:
    wait = buckets.take(_client(request))
    if wait:
        raise ApiError(429, "rate_limited", f"too many {what} from this client; try again later",
                       {"Retry-After": retry_after(wait)})


async def lookup_allowed(request: Request, limits: LimitsDep) -> None:
    """Spend one lookup of this client's bucket, or refuse with 429 and Retry-After."""
    _spend(limits.lookup, request, "lookups")


async def upload_allowed(request: Request, limits: LimitsDep) -> None:
    """Spend one PDF upload of this client's bucket, or refuse with 429 and Retry-After."""
    _spend(limits.pdf, request, "uploads")


LookupAllowed = Annotated[None, Depends(lookup_allowed)]
UploadAllowed = Annotated[None, Depends(upload_allowed)]


async def ledger_read(service: VerificationService, fn: Callable[..., T], *args: Any) -> T:
    """Run a ledger read: in the loop for SQLite (a local read of ~0.1 ms), in a thread for a network store."""
    if service.settings.store == "sqlite":
        return fn(*args)
    return await run_in_threadpool(fn, *args)
