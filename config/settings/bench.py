"""The benchmarks' settings (bench/signin.py, bench/memory.py): local settings plus bench-only switches."""

from config import env
from config.settings.local import *  # noqa: F403

# FIRMID_RATE_LIMITS_OFF turns allauth's limits off so that many sign-ins from one loopback
# address are not throttled (bench/signin.py --rate-limits off). It exists in these settings
# only: it removes the per-address and per-account limits of the password step.
if env.flag("FIRMID_RATE_LIMITS_OFF", False):
    ACCOUNT_RATE_LIMITS = False
