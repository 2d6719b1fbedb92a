"""What the place a sign-in is heading to demands of it, and its name, as the layers above sign-in say.

The provider (firmid.oidc) sits above sign-in: it registers its rules here when it loads
(OidcConfig.ready), so sign-in asks without importing it.
"""

from __future__ import annotations

from collections.abc import Callable

MfaDemand = Callable[[str | None], bool]
DestinationName = Callable[[str | None], str | None]

_mfa_demands: list[MfaDemand] = []
_destination_names: list[DestinationName] = []


def register_mfa_demand(demand: MfaDemand) -> None:
    """Add a rule saying whether the sign-in's next URL demands a second factor."""
    if demand not in _mfa_demands:
        _mfa_demands.append(demand)


def next_url_demands_mfa(url: str | None) -> bool:
    """Say whether any registered rule demands a second factor of a sign-in heading to `url`."""
    return any(demand(url) for demand in _mfa_demands)


def register_destination_name(namer: DestinationName) -> None:
    """Add a rule naming the application a sign-in heading to a next URL is for (None: not one it knows)."""
    if namer not in _destination_names:
        _destination_names.append(namer)


def next_url_destination_name(url: str | None) -> str | None:
    """The registered name of the application a sign-in heading to `url` continues to, if a rule knows it."""
    if not url:
        return None
    return next((name for namer in _destination_names if (name := namer(url))), None)
