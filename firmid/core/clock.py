"""The one seam through which time enters firmid: tests move this clock instead of sleeping."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def now() -> datetime:
    """Return the current UTC time."""
    return datetime.fromtimestamp(timestamp(), tz=timezone.utc)


def timestamp() -> float:
    """Return the current Unix time in seconds."""
    return time.time()
