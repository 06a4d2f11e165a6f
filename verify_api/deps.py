"""Dependencies as Annotated aliases: the service, the limits, the client's rate-limit buckets.

Every dependency is `async def`: a plain `def` would hop to the thread pool on each request.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from verify_api.clients import ClientAddresses
from verify_api.errors import ApiError
from verify_api.ratelimit import Bucket, RateLimitUnavailable, SharedLimits, open_limits, retry_after
from verify_api.service import VerificationService
from verify_api.settings import ServiceSettings
from verify_api.standby import Placement
from verify_api.verdict import Verdict

T = TypeVar("T")
log = logging.getLogger("verify_api")


@dataclass
class Limits:
    """The lookup and upload buckets (shared by every worker, in the ledger's database), who the client is,
    and how many PDF checks run at once in this process."""

    shared: SharedLimits
    clients: ClientAddresses
    lookup: Bucket
    pdf: Bucket
    pdf_threads: anyio.CapacityLimiter

    @classmethod
    def of(cls, settings: ServiceSettings, writes: Placement | None = None) -> Limits:
        """On a hot standby `writes` names the primary or local files (verify_api/standby.py)."""
        target = writes.postgres if writes is not None else (settings.postgres() if settings.store == "postgres"
                                                             else None)
        shared = open_limits("postgres" if target else "sqlite", settings.home, target or {})
        return cls(shared, ClientAddresses.of(settings.trusted_proxies),
                   Bucket("lookup", settings.lookup_per_minute), Bucket("pdf", settings.pdf_per_minute),
                   anyio.CapacityLimiter(max(settings.pdf_concurrency, 1)))

    def close(self) -> None:
        self.shared.close()


def service_of(request: Request) -> VerificationService:
    """The worker's service, as create_app put it on the application."""
    return request.app.state.service  # type: ignore[no-any-return]


async def get_service(request: Request) -> VerificationService:
    return service_of(request)


async def get_limits(request: Request) -> Limits:
    return request.app.state.limits  # type: ignore[no-any-return]


Service = Annotated[VerificationService, Depends(get_service)]
LimitsDep = Annotated[Limits, Depends(get_limits)]


def client_of(request: Request, limits: Limits) -> str:
    """The client as the trusted proxies report it (the peer itself when it is none of them)."""
    return limits.clients.client(request.client.host if request.client else None, request.scope["headers"])


async def spend(limits: Limits, bucket: Bucket, request: Request, what: str) -> None:
    """Spend one request of this client's bucket, or refuse with 429 and Retry-After (503 without the store)."""
    try:
        # In a thread: the row is in SQLite or PostgreSQL, and another worker may hold the write lock a moment.
        wait = await run_in_threadpool(limits.shared.take, bucket, client_of(request, limits))
    except RateLimitUnavailable as e:
        log.warning("rate limits unavailable: %s", e)
        raise ApiError(503, "unavailable", "the service cannot count requests just now; try again later") from None
    if wait:
        raise ApiError(429, "rate_limited", f"too many {what} from this client; try again later",
                       {"Retry-After": retry_after(wait)})


async def lookup_allowed(request: Request, limits: LimitsDep) -> None:
    """Spend one lookup of this client's bucket, or refuse with 429 and Retry-After."""
    await spend(limits, limits.lookup, request, "lookups")


async def upload_allowed(request: Request, limits: LimitsDep) -> None:
    """Spend one PDF upload of this client's bucket, or refuse with 429 and Retry-After."""
    await spend(limits, limits.pdf, request, "uploads")


LookupAllowed = Annotated[None, Depends(lookup_allowed)]
UploadAllowed = Annotated[None, Depends(upload_allowed)]


async def token_verdict(service: VerificationService, token: str) -> Verdict:
    """A repeated scan's verdict from memory, in the loop (service.remembered_token reads nothing); any other
    as ledger_read runs it (in a thread for a network store)."""
    verdict = service.remembered_token(token)
    return verdict if verdict is not None else await ledger_read(service, service.verify_token, token)


async def ledger_read(service: VerificationService, fn: Callable[..., T], *args: Any) -> T:
    """Run a ledger read: in the loop for SQLite (a local read of ~0.1 ms), in one of the service's own read
    threads for a network store."""
    if service.settings.store == "sqlite":
        return fn(*args)
    return await asyncio.get_running_loop().run_in_executor(service.reads, functools.partial(fn, *args))
