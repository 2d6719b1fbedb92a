"""Where state lives: the database, the shared cache, and sessions (engine, cookie, lifetimes)."""

import dj_database_url

from config import env

DATABASES = {
    "default": dj_database_url.parse(
        env.text("DATABASE_URL", f"sqlite:///{env.BASE_DIR / 'var' / 'firmid.sqlite3'}"),
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 0),
        # A connection broken by a database restart is replaced, not reused.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests at once must wait for the write lock, not fail.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # SQLite creates its file but not the folder: a fresh clone has no var/ yet.
    (env.BASE_DIR / "var").mkdir(exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared store: anything that must hold across workers lives in the database (or
# Redis where configured), never in a per-process cache.
CACHES = {
    "default": {
        "BACKEND": "firmid.ops.cache.DatabaseCache",
        "LOCATION": "firmid_cache",
        # Rate-limit history lives here: culling must only ever remove expired rows, never
        # live ones (Django's default of 300 entries would let a spray of addresses evict
        # the history of the account under attack).
        "OPTIONS": {"MAX_ENTRIES": 10_000_000},
    }
}
if env.text("REDIS_URL", ""):
    # Attempt counters and lockouts live here: Redis must keep them across a restart and never
    # evict them (appendonly yes, maxmemory-policy noeviction; `manage.py check` refuses
    # otherwise, docs/deployment.md). A Redis that does not answer is a 503, within seconds.
    CACHES["default"] = {
        "BACKEND": "firmid.ops.cache.RedisCache",
        "LOCATION": env.text("REDIS_URL"),
        "KEY_PREFIX": "firmid",
    }

SESSION_ENGINE = "firmid.ops.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "firmid_session"
# Idle timeout: a signed-in user's session expiry moves forward at their requests, at most
# once a minute (SessionPolicyMiddleware), rather than with a database write at every request.
SESSION_COOKIE_AGE = env.integer("FIRMID_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
FIRMID_SESSION_REFRESH_SECONDS = 60
# Absolute timeout, enforced by SessionPolicyMiddleware whatever the activity.
FIRMID_SESSION_ABSOLUTE_SECONDS = env.integer("FIRMID_SESSION_ABSOLUTE_SECONDS", 12 * 3600)
