"""The trust list a worker verifies against: loaded once, reloaded when its file changes."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from keys.errors import KeysError
from keys.trustlist import TrustList, load_trust_list

log = logging.getLogger("verify_api")


class TrustListUnavailable(Exception):
    """No valid trust list could be loaded: nothing can be verified."""


@dataclass(frozen=True)
class LoadedTrust:
    trust: TrustList
    data: bytes  # the signed bytes, served as they are
    stamp: tuple[int, int]  # the files' mtimes when read


class TrustSource:
    """Holds the parsed trust list; looks at the files' mtimes at most once per `interval` seconds.

    A changed file that does not verify is refused and the list already loaded stays in use:
    a half-published or tampered list never replaces a good one.
    """

    def __init__(self, list_path: Path, root_path: Path, interval: float = 1.0) -> None:
        self.list_path = list_path
        self.root_path = root_path
        self.interval = interval
        self._loaded: LoadedTrust | None = None
        self._next_check = 0.0
        self._lock = threading.Lock()
        self._warned = ""  # the last refusal logged: a bad file is reported once, not every second

    def current(self) -> LoadedTrust:
        """The trust list in force; raises TrustListUnavailable if none was ever loaded."""
        loaded = self._loaded
        now = time.monotonic()
        if loaded is not None and now < self._next_check:
            return loaded
        with self._lock:
            self._next_check = now + self.interval
            try:
                stamp = (os.stat(self.list_path).st_mtime_ns, os.stat(self.root_path).st_mtime_ns)
            except OSError as e:
                return self._keep(f"cannot read {e.filename}")
            if self._loaded is not None and stamp == self._loaded.stamp:
                return self._loaded
            try:
                data = self.list_path.read_bytes()
                trust = load_trust_list(data, self.root_path.read_bytes())
            except (OSError, KeysError) as e:
                return self._keep(f"{type(e).__name__}: {e}")
            if self._loaded is not None:
                log.info("trust list reloaded: %d keys, issued %s", len(trust.keys), trust.issued_at.isoformat())
            self._loaded = LoadedTrust(trust, data, stamp)
            return self._loaded

    def _keep(self, why: str) -> LoadedTrust:
        if self._loaded is None:
            raise TrustListUnavailable(f"no trust list: {why}")
        if why == self._warned:
            return self._loaded
        self._warned = why
        log.warning("trust list not reloaded (%s); keeping the one issued %s", why,
                    self._loaded.trust.issued_at.isoformat())
        return self._loaded
