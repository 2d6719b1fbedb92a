"""System checks of the deployment: who a client is, and a Redis that keeps attempt counters."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register  # noqa: A004 - Django's check message
from django.core.exceptions import ImproperlyConfigured

from firmid.core.app_settings import core_settings
from firmid.core.client_address import parse_networks


@register(Tags.security)
def check_trusted_proxies(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    values = core_settings.TRUSTED_PROXIES
    if isinstance(values, str):
        return [
            Error(
                "FIRMID_TRUSTED_PROXIES must be a list of addresses or networks, not one string.",
                hint='Write ["10.0.0.0/24"], or set the environment variable to 10.0.0.0/24,10.0.1.5.',
                id="firmid.E020",
            )
        ]
    try:
        networks = parse_networks(values)
    except ImproperlyConfigured as error:
        return [
            Error(
                f"{error} Each entry must be an IP address or a CIDR network such as 10.0.0.0/24.",
                hint="List the addresses of your proxies only (docs/deployment.md).",
                id="firmid.E021",
            )
        ]
    everyone = [str(n) for n in networks if n.prefixlen == 0]
    if everyone:
        return [
            Error(
                f"FIRMID_TRUSTED_PROXIES trusts every address ({', '.join(everyone)}): any client could "
                "name any address in X-Forwarded-For and escape the rate limits.",
                hint="List the addresses of your proxies only (docs/deployment.md).",
                id="firmid.E022",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_proxy_configured(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    if settings.SECURE_PROXY_SSL_HEADER and not core_settings.TRUSTED_PROXIES:
        return [
            Warning(
                "FIRMID_TRUSTED_PROXIES is empty: X-Forwarded-For and X-Forwarded-Proto are ignored, so "
                "behind a proxy every client has the proxy's address and every request looks like plain HTTP.",
                hint="Set FIRMID_TRUSTED_PROXIES to your proxies' addresses (docs/deployment.md).",
                id="firmid.W023",
            )
        ]
    return []


# Redis as the cache holds the attempt counters and lockouts of the password step: it must
# keep them across a restart (an append-only file) and never evict them (noeviction).
REDIS_REQUIRED_POLICY = "noeviction"


def redis_security_problem() -> str | None:
    """Why the Redis cache could forget attempt counters and lockouts; None if it keeps them (or is no Redis).

    Read from INFO, which managed Redis services allow where they refuse CONFIG. Raises
    CacheUnavailable (firmid/ops/outages.py) when Redis does not answer.
    """
    from django.core.cache import caches

    from firmid.ops.cache import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    server = cache.server()
    persistence, memory = server.info("persistence"), server.info("memory")
    problems = []
    if str(persistence.get("aof_enabled", "0")) != "1":
        problems.append(
            "it keeps no append-only file (appendonly no), so a restart forgets every attempt "
            "counter and lockout: set `appendonly yes`"
        )
    policy = memory.get("maxmemory_policy", "")
    if policy != REDIS_REQUIRED_POLICY:
        problems.append(
            f"it may evict keys when full (maxmemory-policy {policy or 'unknown'}), and an evicted key "
            f"is a forgotten attempt counter: set `maxmemory-policy {REDIS_REQUIRED_POLICY}`"
        )
    if not problems:
        return None
    return "Redis (REDIS_URL) cannot hold sign-in security state: " + "; ".join(problems) + " (docs/deployment.md)."


@register(Tags.caches, Tags.security)
def check_redis_keeps_security_state(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    from firmid.ops.outages import CacheUnavailable

    try:
        problem = redis_security_problem()
    except CacheUnavailable as error:
        return [
            Warning(
                f"Redis (REDIS_URL) was not checked: it does not answer ({error}).",
                hint="Check again once it runs: it must use appendonly yes and maxmemory-policy noeviction.",
                id="firmid.W031",
            )
        ]
    if problem is None:
        return []
    return [
        Error(
            problem, hint="Fix Redis's configuration, or unset REDIS_URL to keep them in PostgreSQL.", id="firmid.E030"
        )
    ]


def verify_redis_at_start() -> None:
    """Refuse to serve on a Redis that would forget attempt counters; one not answering yet is /readyz's."""
    from firmid.ops.outages import CacheUnavailable

    try:
        problem = redis_security_problem()
    except CacheUnavailable as error:
        logging.getLogger("firmid.ops").warning(
            "Redis not checked at start: it does not answer", extra={"error": str(error)}
        )
        return
    if problem is not None:
        raise ImproperlyConfigured(problem)
