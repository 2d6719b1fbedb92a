"""The address a request came from: the peer, or the client named by trusted proxies in front of it.

Every consumer of a client address (allauth's rate limits, the audit trail, /metrics, the
logs) asks `client_address`, so that one setting decides for all of them:
FIRMID_TRUSTED_PROXIES, the addresses or networks of the proxies firmid sits behind.

A forwarding header says whatever its sender wrote. X-Forwarded-For is read only when the
peer (REMOTE_ADDR) is a trusted proxy, and then from the right: each entry was written by
the hop to its right, so an entry is believable only while the hop to its right is a
trusted proxy. The first entry that is not a trusted proxy is the client; what lies to its
left was written by the client and is never read. The `Forwarded` header (RFC 7239) is not
read: the documented proxies send X-Forwarded-For, and two sources would be two answers.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpRequest

from firmid.core.app_settings import core_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
# More trusted hops than any real chain of proxies: a longer chain is refused, not walked.
MAX_HOPS = 10


class ForwardedForInvalid(SuspiciousOperation):
    """A trusted proxy sent an X-Forwarded-For that names no client (Django answers 400)."""


def client_address(request: HttpRequest) -> str:
    """Return the client's address, or "" when the peer has none (e.g. a Unix socket)."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    if not _trusted(peer):
        return str(peer)
    header = request.META.get(FORWARDED_FOR)
    if header is None:
        # The proxy's own request (e.g. a load balancer's health check).
        return str(peer)
    return str(_walk(header))


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Tell whether the peer is one of FIRMID_TRUSTED_PROXIES, whose forwarding headers count."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    return peer is not None and _trusted(peer)


def parse_networks(values: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """Return the networks of the setting; refuse an entry that is not one, with a plain message."""
    try:
        return tuple(ipaddress.ip_network(value.strip()) for value in values)
    except (TypeError, ValueError, AttributeError) as error:
        raise ImproperlyConfigured(f"FIRMID_TRUSTED_PROXIES: {error}.") from None


def _walk(header: str) -> Address:
    hops = header.rsplit(",", MAX_HOPS)
    for raw in reversed(hops[-MAX_HOPS:]):
        hop = _address(raw.strip())
        if hop is None:
            raise ForwardedForInvalid(
                f"X-Forwarded-For from a trusted proxy holds {raw.strip()[:60]!r}, not an address."
            )
        if not _trusted(hop):
            return hop
    if len(hops) > MAX_HOPS:
        raise ForwardedForInvalid(f"X-Forwarded-For names more than {MAX_HOPS} trusted proxies.")
    # Every hop is a trusted address: the leftmost, written by a trusted proxy, is the client.
    return hop


def _address(text: str) -> Address | None:
    """Return the address in `text` (bare, no port), IPv4-mapped IPv6 as IPv4; None if not one."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if getattr(address, "scope_id", None):
        # fe80::1%eth0: the zone names an interface of the sender, not part of the client.
        address = ipaddress.IPv6Address(text.partition("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d: the same client, one key.
        return address.ipv4_mapped
    return address


def _trusted(address: Address) -> bool:
    return any(address in network for network in _networks(tuple(core_settings.TRUSTED_PROXIES)))


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)
