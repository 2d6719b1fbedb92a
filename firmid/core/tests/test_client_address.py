"""Who the client is: forwarding headers believed from trusted proxies only, and never guessed."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from firmid.core.client_address import (
    MAX_HOPS,
    ForwardedForInvalid,
    client_address,
    from_trusted_proxy,
    parse_networks,
)

PROXY = "10.0.0.5"
CDN = "192.0.2.10"
TRUSTED = ["10.0.0.0/24", "192.0.2.0/28"]
CLIENT = "203.0.113.7"


def request_from(peer: str, forwarded_for: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.fixture
def behind_proxies(settings) -> None:
    settings.FIRMID_TRUSTED_PROXIES = TRUSTED


# --- nobody trusted, or a peer that is not a trusted proxy: the peer is the client ---------


def test_forged_forwarded_for_is_ignored_when_no_proxy_is_trusted(settings) -> None:
    settings.FIRMID_TRUSTED_PROXIES = []
    assert client_address(request_from("198.51.100.4", "127.0.0.1")) == "198.51.100.4"


def test_forged_forwarded_for_from_a_client_that_bypasses_the_proxy_is_ignored(behind_proxies) -> None:
    # The attacker reaches the application directly and names the proxy, or loopback.
    assert client_address(request_from("198.51.100.4", f"127.0.0.1, {PROXY}")) == "198.51.100.4"
    assert not from_trusted_proxy(request_from("198.51.100.4"))


def test_garbage_forwarded_for_from_an_untrusted_peer_is_ignored_not_refused(behind_proxies) -> None:
    assert client_address(request_from("198.51.100.4", "not an address, , ::zz")) == "198.51.100.4"


# --- from a trusted proxy: walk from the right ---------------------------------------------


def test_the_client_named_by_a_trusted_proxy_is_the_client(behind_proxies) -> None:
    assert client_address(request_from(PROXY, CLIENT)) == CLIENT


def test_addresses_forged_left_of_what_the_proxy_appended_are_never_read(behind_proxies) -> None:
    # nginx's $proxy_add_x_forwarded_for appends the real peer to what the client sent.
    forged = f"127.0.0.1, {PROXY}, garbage"
    assert client_address(request_from(PROXY, f"{forged}, {CLIENT}")) == CLIENT


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop(behind_proxies) -> None:
    # client → CDN → load balancer (PROXY) → firmid
    assert client_address(request_from(PROXY, f"1.1.1.1, {CLIENT}, {CDN}")) == CLIENT


def test_a_proxy_request_without_forwarded_for_is_the_proxy(behind_proxies) -> None:
    # e.g. the load balancer's own health check.
    assert client_address(request_from(PROXY)) == PROXY


def test_a_client_inside_the_trusted_networks_is_itself(behind_proxies) -> None:
    assert client_address(request_from(PROXY, "10.0.0.9")) == "10.0.0.9"


def test_ipv4_mapped_and_ipv6_addresses_are_one_canonical_form(behind_proxies) -> None:
    assert client_address(request_from(f"::ffff:{PROXY}", f"::ffff:{CLIENT}")) == CLIENT
    assert client_address(request_from(PROXY, "2001:DB8:0::1")) == "2001:db8::1"


# --- a malformed header from a trusted proxy is refused, never trusted nor guessed ----------


@pytest.mark.parametrize(
    "header",
    [
        "",  # empty
        " , ",  # empty entries
        "unknown",  # nginx-style placeholder
        f"{CLIENT}:51234",  # with a port
        f"[{CLIENT}]",  # bracketed
        f"{CLIENT};proto=https",  # Forwarded syntax in the wrong header
        f"for={CLIENT}",
        f"{CLIENT}, ",  # the proxy's own entry is empty
        f"{CLIENT} 10.0.0.1",  # space-separated, not comma-separated
    ],
)
def test_malformed_forwarded_for_from_a_trusted_proxy_is_refused(behind_proxies, header: str) -> None:
    with pytest.raises(ForwardedForInvalid):
        client_address(request_from(PROXY, header))


def test_more_trusted_hops_than_any_real_chain_are_refused(behind_proxies) -> None:
    header = ", ".join([CLIENT] + [PROXY] * MAX_HOPS)
    with pytest.raises(ForwardedForInvalid):
        client_address(request_from(PROXY, header))
    assert client_address(request_from(PROXY, ", ".join([CLIENT] + [PROXY] * (MAX_HOPS - 1)))) == CLIENT


def test_a_peer_that_is_no_address_has_no_client_address(behind_proxies) -> None:
    # A Unix socket peer: "" for every consumer (allauth refuses it), never a forwarded claim.
    assert client_address(request_from("", CLIENT)) == ""
    assert client_address(request_from("localhost", CLIENT)) == ""


def test_networks_that_are_not_networks_are_refused_with_a_plain_message() -> None:
    with pytest.raises(ImproperlyConfigured, match="10.0.0.1/8 has host bits set"):
        parse_networks(["10.0.0.1/8"])
    with pytest.raises(ImproperlyConfigured, match="FIRMID_TRUSTED_PROXIES"):
        parse_networks(["proxy.internal"])


# --- properties: whatever a client writes ------------------------------------------------

entries = st.one_of(
    st.ip_addresses().map(str),
    st.sampled_from([PROXY, CDN, "127.0.0.1", "", " ", "unknown", "::ffff:10.0.0.5", "1.2.3.4:80"]),
    st.text(max_size=20),
)
forged_headers = st.lists(entries, max_size=15).map(",".join)
clients = st.ip_addresses(v=4).filter(lambda a: not any(a in ipaddress.ip_network(n) for n in TRUSTED)).map(str)


@hypothesis_settings(max_examples=200, deadline=None)
@given(header=forged_headers, client=clients)
def test_whatever_a_client_forges_the_address_its_proxy_appended_wins(header: str, client: str) -> None:
    with override_settings(FIRMID_TRUSTED_PROXIES=TRUSTED):
        appended = f"{header}, {client}" if header else client
        assert client_address(request_from(PROXY, appended)) == client
        assert client_address(request_from(client, header)) == client


@hypothesis_settings(max_examples=200, deadline=None)
@given(header=forged_headers)
def test_from_a_trusted_proxy_any_header_names_an_address_or_is_refused(header: str) -> None:
    with override_settings(FIRMID_TRUSTED_PROXIES=TRUSTED):
        try:
            found = client_address(request_from(PROXY, header))
        except ForwardedForInvalid:
            return
    assert str(ipaddress.ip_address(found)) == found
