"""What the place a sign-in is heading to demands of it, as the layers above sign-in say.

The provider (firmid.oidc) sits above sign-in: it registers its rule here when it loads
(OidcConfig.ready), so sign-in asks without importing it.
"""

from __future__ import annotations

from collections.abc import Callable

MfaDemand = Callable[[str | None], bool]

_mfa_demands: list[MfaDemand] = []


def register_mfa_demand(demand: MfaDemand) -> None:
    """Add a rule saying whether the sign-in's next URL demands a second factor."""
    if demand not in _mfa_demands:
        _mfa_demands.append(demand)


def next_url_demands_mfa(url: str | None) -> bool:
    """Say whether any registered rule demands a second factor of a sign-in heading to `url`."""
    return any(demand(url) for demand in _mfa_demands)
