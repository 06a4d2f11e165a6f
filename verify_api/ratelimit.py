"""Per-client token buckets keyed by a salted hash of the client address: no raw IP is kept.

The salt is random per process and never leaves it, so the keys cannot be reversed by
trying every address; each worker keeps its own buckets (N workers allow N times the rate).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections.abc import Callable


class TokenBuckets:
    """`per_minute` requests per client, refilled continuously, bursts up to `per_minute`."""

    def __init__(self, per_minute: int, *, max_clients: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(max(per_minute, 1))
        self.refill = self.capacity / 60.0  # tokens per second
        self.max_clients = max_clients
        self._clock = clock
        self._salt = secrets.token_bytes(32)
        self._buckets: dict[bytes, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def key(self, client: str) -> bytes:
        """The bucket key of a client address: HMAC-SHA256 under the process's salt, truncated."""
        return hmac.new(self._salt, client.encode("utf-8", "replace"), hashlib.sha256).digest()[:16]

    def take(self, client: str) -> float:
        """Take one token; returns 0 when allowed, else the seconds until the next token."""
        k = self.key(client)
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(k, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.refill)
            if tokens >= 1.0:
                self._buckets[k] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._forget_idle(now)
                return 0.0
            self._buckets[k] = (tokens, now)
            return (1.0 - tokens) / self.refill

    def _forget_idle(self, now: float) -> None:
        # A bucket that has refilled completely is the same as no bucket at all.
        full_after = self.capacity / self.refill
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
        if len(self._buckets) > self.max_clients:  # a flood of distinct clients: keep the newest half
            newest = sorted(self._buckets.items(), key=lambda kv: kv[1][1], reverse=True)[: self.max_clients // 2]
            self._buckets = dict(newest)


def retry_after(seconds: float) -> str:
    """A Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
