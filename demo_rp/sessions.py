"""Server-side sessions in memory, found by a random cookie.

The browser holds only an opaque id (cookie ``documents_session``, HttpOnly, SameSite=Lax);
the sign-ins in progress (state, nonce, PKCE verifier) and the signed-in user's claims and
ID token stay in this process. A demo keeps them in memory: restarting it signs everyone out.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

IDLE_SECONDS = 3600
PENDING_SECONDS = 600  # a sign-in started more than 10 minutes ago is not finished any more
MAX_PENDING = 5  # sign-ins in progress per session (a few tabs), oldest dropped first
MAX_SESSIONS = 10_000  # memory bound: the least recently used session goes first

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass
class Session:
    id: str
    last_seen: float
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # by state
    user: dict[str, Any] | None = None  # the verified ID token claims
    id_token: str | None = None
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    logout_state: str | None = None

    def add_pending(self, state: str, entry: dict[str, Any], now: float) -> None:
        self.drop_stale(now)
        while len(self.pending) >= MAX_PENDING:
            self.pending.pop(next(iter(self.pending)))
        self.pending[state] = {**entry, "created": now}

    def take_pending(self, state: str, now: float) -> dict[str, Any] | None:
        """The sign-in started with `state`, removed: a state is good for one response only."""
        self.drop_stale(now)
        return self.pending.pop(state, None)

    def drop_stale(self, now: float) -> None:
        for state in [s for s, p in self.pending.items() if now - p["created"] > PENDING_SECONDS]:
            del self.pending[state]


class SessionStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def get(self, session_id: str | None) -> Session | None:
        if not session_id or not _SESSION_ID.match(session_id):
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.pop(session_id, None)
            if session is None or now - session.last_seen > IDLE_SECONDS:
                return None
            session.last_seen = now
            self._sessions[session_id] = session  # most recently used last
            return session

    def create(self) -> Session:
        session = Session(id=secrets.token_urlsafe(32), last_seen=self._clock())
        with self._lock:
            while len(self._sessions) >= MAX_SESSIONS:
                self._sessions.pop(next(iter(self._sessions)))
            self._sessions[session.id] = session
        return session

    def cycle(self, session: Session) -> Session:
        """The same session under a new id (at sign-in: no fixation)."""
        with self._lock:
            self._sessions.pop(session.id, None)
            session.id = secrets.token_urlsafe(32)
            session.csrf_token = secrets.token_urlsafe(32)
            session.last_seen = self._clock()
            self._sessions[session.id] = session
        return session

    def discard(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)
