"""Django's internals that firmid uses (sessions, cache, auth hash, logging), in one place.

Pinned by firmid/core/tests/test_seams.py, with three behaviours firmid also relies on:
the database session store raises UpdateError while handling the DatabaseError (firmid's
store reads it as the error's context), the database cache stores base64 pickles (firmid's
writes rows as Django does), and log_response skips a response mark_logged marked.
Written against Django WRITTEN_FOR; after an upgrade, a failing seam test says which entry
changed: re-read it here and at its site, then update both.
"""

from __future__ import annotations

from django.http import HttpResponseBase

from firmid.core.seams import Hook

WRITTEN_FOR = "5.2.19"
DISTRIBUTION = "Django"


def mark_logged(response: HttpResponseBase) -> None:
    """Keep django.request from logging this response: firmid logged it already, once."""
    response._has_been_logged = True  # type: ignore[attr-defined]  # read by django.utils.log.log_response


_SESSION = "django.contrib.sessions.backends.base.SessionBase"
_DB_SESSION = "django.contrib.sessions.backends.db.SessionStore"
_FIRMID_SESSION = "firmid.ops.sessions.SessionStore"
_DB_CACHE = "django.core.cache.backends.db.DatabaseCache"
_FIRMID_DB_CACHE = "firmid.ops.cache.DatabaseCache"

SESSION_HOOKS = (
    Hook(
        owner=_SESSION,
        name="_session",
        why="the session's data, loaded if need be: cycle_key keeps it under a new key",
        site=_FIRMID_SESSION,
        used_by=("cycle_key",),
    ),
    Hook(
        owner=_SESSION,
        name="_session_key",
        why="set to None, the next save creates the row under a new key (as Django's cycle_key does)",
        site=_FIRMID_SESSION,
        used_by=("__init__", "_get_or_create_session_key"),
    ),
    Hook(
        owner=_SESSION,
        name="_session_cache",
        why="the loaded data, which the session serves without reading its row again",
        site=_FIRMID_SESSION,
        used_by=("cycle_key", "_get_session"),
    ),
    Hook(
        owner=_DB_SESSION,
        name="_get_new_session_key",
        overridden=True,
        why="draws the key a new row is inserted under: create() INSERTs it with must_create",
        site=_FIRMID_SESSION,
        params=("self",),
        used_by=("create", "_get_or_create_session_key"),
    ),
)

CACHE_HOOKS = (
    Hook(
        owner=_DB_CACHE,
        name="_base_set",
        overridden=True,
        why="set, add and touch all write through it: one statement replaces Django's transaction",
        site=_FIRMID_DB_CACHE,
        params=("self", "mode", "key", "value", "timeout"),
        used_by=("set", "add", "touch"),
    ),
    Hook(
        owner=_DB_CACHE,
        name="_cull",
        why="enforces MAX_ENTRIES on the cache table, as Django's own writes do",
        site=_FIRMID_DB_CACHE,
        params=("self", "db", "cursor", "now", "num"),
        used_by=("_base_set",),
    ),
    Hook(
        owner=_DB_CACHE,
        name="_table",
        why="the cache table's name (createcachetable makes it)",
        site=_FIRMID_DB_CACHE,
        used_by=("__init__",),
    ),
    Hook(
        owner="django.core.cache.backends.base.BaseCache",
        name="_max_entries",
        why="OPTIONS MAX_ENTRIES, which the cull enforces",
        site=_FIRMID_DB_CACHE,
        used_by=("__init__",),
    ),
    Hook(
        owner="django.core.cache.backends.redis.RedisCacheClient",
        name="_client",
        why="the redis client class every connection is made with: firmid's reports a lost Redis",
        site="firmid.ops.cache._RedisClient",
        used_by=("__init__", "get_client"),
    ),
    Hook(
        owner="django.core.cache.backends.redis.RedisCache",
        name="_class",
        why="the client class the cache builds: firmid's, with bounded waits",
        site="firmid.ops.cache.RedisCache",
        used_by=("__init__",),
    ),
    Hook(
        owner="django.core.cache.backends.redis.RedisCache",
        name="_cache",
        why="the cache's client, whose write server firmid asks for its INFO",
        site="firmid.ops.cache.RedisCache",
    ),
)

AUTH_HOOKS = (
    Hook(
        owner="django.contrib.auth.base_user.AbstractBaseUser",
        name="_get_session_auth_hash",
        overridden=True,
        why="the session hash and its SECRET_KEY_FALLBACKS variants: firmid's ends every session on a new generation",
        site="firmid.accounts.models.User",
        params=("self", "secret"),
        used_by=("get_session_auth_hash", "get_session_auth_fallback_hash"),
    ),
)

HOOKS = SESSION_HOOKS + CACHE_HOOKS + AUTH_HOOKS
