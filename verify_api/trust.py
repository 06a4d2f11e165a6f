"""The trust list a worker verifies against: the latest one the ledger recorded (with the key change it
reflects), else the file; loaded once, reloaded when a newer one is recorded or the file changes."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from keys.errors import KeysError
from keys.revocation import CRL_FILE, PublisherRevoked
from keys.trustlist import TrustList, load_trust_list

log = logging.getLogger("verify_api")


class TrustListUnavailable(Exception):
    """No valid trust list could be loaded: nothing can be verified."""


class RecordedLists(Protocol):
    """The ledger's recorded trust lists (ledger.app_keys), as far as a worker reads them."""

    def trust_list_sequence(self) -> int | None: ...

    def recorded_trust_list(self, sequence: int) -> bytes: ...


@dataclass(frozen=True)
class LoadedTrust:
    trust: TrustList
    data: bytes  # the signed bytes, served as they are
    stamp: tuple[str, int, int, int]  # ("ledger", the list's number | "file", its mtime; the root's, the CRL's mtime)


class TrustSource:
    """Holds the parsed trust list; looks at the files' mtimes at most once per `interval` seconds.

    A changed file that does not verify is refused and the list already loaded stays in use:
    a half-published or tampered list never replaces a good one.
    """

    def __init__(self, list_path: Path, root_path: Path, interval: float = 1.0,
                 recorded: RecordedLists | None = None) -> None:
        self.recorded = recorded  # where a list is recorded, the ledger's latest wins over the file
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
                sequence = self._recorded_sequence()
                source = ("ledger", sequence) if sequence is not None else ("file", os.stat(self.list_path).st_mtime_ns)
                stamp = (*source, os.stat(self.root_path).st_mtime_ns, self._crl_stamp())
            except OSError as e:
                return self._keep(f"cannot read {e.filename}")
            except Exception as e:  # the ledger's store down: keep the list in force
                return self._keep(f"cannot read the recorded trust list: {type(e).__name__}")
            if self._loaded is not None and stamp == self._loaded.stamp:
                return self._loaded
            try:
                data = (self.recorded.recorded_trust_list(sequence) if self.recorded is not None and sequence
                        else self.list_path.read_bytes())
                trust = load_trust_list(data, self.root_path.read_bytes(), self.crl())
            except PublisherRevoked as e:  # the list in force may be that publisher's: none until a fresh one
                self._loaded = None
                raise TrustListUnavailable(f"no trust list: {e}") from None
            except (OSError, KeysError) as e:
                return self._keep(f"{type(e).__name__}: {e}")
            if self._loaded is not None:
                log.info("trust list reloaded: %d keys, issued %s", len(trust.keys), trust.issued_at.isoformat())
            self._loaded = LoadedTrust(trust, data, stamp)
            return self._loaded

    @property
    def crl_path(self) -> Path:
        return self.root_path.parent / CRL_FILE

    def crl(self) -> bytes | None:
        """The root's CRL beside the pinned root, if there is one: served as it is, and checked on every load."""
        try:
            return self.crl_path.read_bytes()
        except FileNotFoundError:
            return None

    def _crl_stamp(self) -> int:
        try:
            return os.stat(self.crl_path).st_mtime_ns
        except FileNotFoundError:
            return 0

    def _recorded_sequence(self) -> int | None:
        return self.recorded.trust_list_sequence() if self.recorded is not None else None

    def _keep(self, why: str) -> LoadedTrust:
        if self._loaded is None:
            raise TrustListUnavailable(f"no trust list: {why}")
        if why == self._warned:
            return self._loaded
        self._warned = why
        log.warning("trust list not reloaded (%s); keeping the one issued %s", why,
                    self._loaded.trust.issued_at.isoformat())
        return self._loaded
