"""The session engine: Django's database sessions, with a lost database reported as such.

Django's database backend turns any DatabaseError while updating a session into UpdateError,
which SessionMiddleware answers with 400 "session interrupted" (as if the user had signed
out in a concurrent request). When the error is the database going away in the middle of
the request (a restart, a failover) or refusing writes (read-only), the truth is a 503: the original error is raised again,
so that firmid's 500 handler answers 503 with Retry-After like every other outage.

A sign-in changes the session id twice (ASVS 7.2.4). Here the new id's row is written once,
by the save at the end of the request (Django inserts it at once, then updates it), and the
old row is removed with one DELETE.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string

from firmid.ops.store_errors import is_store_unavailable


class SessionStore(DatabaseSessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            cause = error.__context__
            if cause is not None and is_store_unavailable(cause):  # lost, or read-only
                # Not `from None`: that would drop the driver's error (its SQLSTATE) from the chain.
                raise cause  # noqa: B904
            raise

    def cycle_key(self) -> None:
        """Drop the old id now; the data gets a new id when the request saves the session."""
        # seam: Django's private _session, _session_key and _session_cache (firmid/core/seams/django.py).
        data, old_key = self._session, self.session_key
        self._session_key = None
        self._session_cache = data
        self.modified = True
        if old_key:
            self.delete(old_key)

    # seam: Django's private hook (firmid/core/seams/django.py).
    def _get_new_session_key(self) -> str:
        # No SELECT for a free key first: create() INSERTs with must_create, and a taken key
        # (2^-165 odds) is a CreateError on which it draws another.
        return get_random_string(32, VALID_KEY_CHARS)

    def delete(self, session_key: str | None = None) -> None:
        # One DELETE (Django reads the row first to delete it as an object).
        session_key = session_key or self.session_key
        if session_key is not None:
            self.model.objects.filter(session_key=session_key).delete()
