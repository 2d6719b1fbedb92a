"""The session engine: Django's database sessions, with a lost database reported as such.

Django's database backend turns any DatabaseError while updating a session into UpdateError,
which SessionMiddleware answers with 400 "session interrupted" (as if the user had signed
out in a concurrent request). When the error is the database going away in the middle of
the request (a restart, a failover), the truth is a 503: the original error is raised again,
so that firmid's 500 handler answers 503 with Retry-After like every other outage.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import InterfaceError, OperationalError


class SessionStore(DatabaseSessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            cause = error.__context__
            if isinstance(cause, (OperationalError, InterfaceError)):
                raise cause from None
            raise
