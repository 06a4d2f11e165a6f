"""Server-side sessions: a random id in the cookie, everything else (the unsealed credential among it) in this
process's memory only, dropped at logout, after the idle time and after the absolute time."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from office.roles import Action, Role, may


@dataclass
class Session:
    sid: str
    username: str
    office: str
    role: Role
    signer: Any = field(repr=False)  # keys.credentials.LoadedCredential: signs this operator's saves
    csrf: str
    started: datetime
    seen: datetime
    pending_totp: str | None = field(default=None, repr=False)  # a TOTP secret shown, not yet confirmed

    def may(self, action: Action) -> bool:
        return may(self.role, action)


class SessionStore:
    def __init__(self, idle: timedelta, absolute: timedelta) -> None:
        self.idle, self.absolute = idle, absolute
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, username: str, office: str, role: Role, signer: Any, now: datetime) -> Session:
        session = Session(secrets.token_urlsafe(32), username, office, role, signer, secrets.token_urlsafe(32),
                          now, now)
        with self._lock:
            self._sessions[session.sid] = session
        return session

    def get(self, sid: str | None, now: datetime) -> Session | None:
        """The live session of this id (its idle clock restarted), or None (an expired one is dropped)."""
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:
                return None
            if now - session.seen > self.idle or now - session.started > self.absolute:
                del self._sessions[sid]
                return None
            session.seen = now
            return session

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    def end_all_of(self, username: str) -> None:
        """A disabled account or a changed role: its sessions end at once."""
        with self._lock:
            for sid in [s for s, v in self._sessions.items() if v.username == username]:
                del self._sessions[sid]

    def __len__(self) -> int:
        return len(self._sessions)
