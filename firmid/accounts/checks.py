"""System checks for configurations that would quietly weaken sign-in."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from firmid.accounts.app_settings import accounts_settings


@register(Tags.security, deploy=False)
def check_argon2_cost(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    if accounts_settings.ARGON2_MEMORY_KIB < 19 * 1024 or accounts_settings.ARGON2_TIME_COST < 2:
        return [
            Error(
                "Argon2id cost is below OWASP's floor (19 MiB, 2 passes).",
                hint="Raise FIRMID_ARGON2_MEMORY_KIB and FIRMID_ARGON2_TIME_COST.",
                id="firmid.E001",
            )
        ]
    return []


@register(Tags.caches)
def check_shared_cache(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")):
        return [
            Error(
                f"The default cache ({backend}) is not shared by workers.",
                hint="Use the database cache or Redis: rate limits live there.",
                id="firmid.E002",
            )
        ]
    return []
