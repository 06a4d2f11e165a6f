"""The trust list a worker verifies against: the latest one the ledger recorded (with the key change it
reflects), else the file; loaded once, reloaded when a newer one is recorded or the file changes."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from keys.crl_freshness import CrlStale, accepted_crl
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
        self._crl: bytes | None = None  # the CRL accepted last (keys.crl_freshness): what /root-crl serves
        self._crl_refused: str | None = None

    def fresh(self) -> LoadedTrust | None:
        """The list in force while no check of its files and of the ledger is due (nothing read), else None."""
        loaded = self._loaded
        return loaded if loaded is not None and time.monotonic() < self._next_check else None

    def current(self) -> LoadedTrust:
        """The trust list in force; raises TrustListUnavailable if none was ever loaded."""
        loaded = self._loaded
        now = time.monotonic()
        if loaded is not None and now < self._next_check:
            return loaded
        with self._lock:
            self._next_check = now + self.interval
            try:
                crl = self._check_crl()
                sequence = self._recorded_sequence()
                source = ("ledger", sequence) if sequence is not None else ("file", os.stat(self.list_path).st_mtime_ns)
                stamp = (*source, os.stat(self.root_path).st_mtime_ns, self._crl_stamp())
            except TrustListUnavailable:
                raise
            except OSError as e:
                return self._keep(f"cannot read {e.filename}")
            except KeysError as e:  # a rolled-back CRL: the one accepted before (and the list it let in) stays
                return self._keep(f"{type(e).__name__}: {e}")
            except Exception as e:  # the ledger's store down: keep the list in force
                return self._keep(f"cannot read the recorded trust list: {type(e).__name__}")
            if self._loaded is not None and stamp == self._loaded.stamp:
                return self._loaded
            return self._reload(sequence, stamp, crl)

    def _reload(self, sequence: int | None, stamp: tuple[str, int, int, int], crl: bytes | None) -> LoadedTrust:
        try:
            data = (self.recorded.recorded_trust_list(sequence) if self.recorded is not None and sequence
                    else self.list_path.read_bytes())
            trust = load_trust_list(data, self.root_path.read_bytes(), crl)
        except PublisherRevoked as e:  # the list in force may be that publisher's: none until a fresh one
            self._loaded = None
            raise TrustListUnavailable(f"no trust list: {e}") from None
        except (OSError, KeysError) as e:
            return self._keep(f"{type(e).__name__}: {e}")
        if self._loaded is not None:
            log.info("trust list reloaded: %d keys, issued %s", len(trust.keys), trust.issued_at.isoformat())
        self._loaded = LoadedTrust(trust, data, stamp)
        return self._loaded

    def _check_crl(self) -> bytes | None:
        """The CRL beside the pinned root, as a relying party accepts it (keys.crl_freshness); a stale one (the one
        in force gone stale, or a stale file) leaves no trust list and no CRL until the keeper's fresh one."""
        try:
            crl = accepted_crl(self.root_path, datetime.now(UTC))
        except CrlStale as e:
            self._loaded, self._crl, self._crl_refused = None, None, str(e)
            raise TrustListUnavailable(f"no trust list: {e}") from None
        except KeysError as e:
            self._crl_refused = str(e)  # a rolled-back or removed CRL: the accepted one (in memory) is served
            raise
        self._crl, self._crl_refused = crl, None
        return crl

    @property
    def crl_path(self) -> Path:
        return self.root_path.parent / CRL_FILE

    def crl(self) -> bytes | None:
        """The root's CRL this worker accepted (never a stale or rolled-back file), served as it is; None when there
        is none; TrustListUnavailable when the only one beside the root is refused."""
        with contextlib.suppress(TrustListUnavailable):
            self.current()
        if self._crl is None and self._crl_refused is not None:
            raise TrustListUnavailable(f"no root CRL: {self._crl_refused}")
        return self._crl

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
