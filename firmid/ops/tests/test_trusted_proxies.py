"""Forwarding headers count from FIRMID_TRUSTED_PROXIES only: scheme, /metrics, system checks."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from config import env
from firmid.ops.checks import check_proxy_configured, check_trusted_proxies
from firmid.ops.middleware import TrustedProxyMiddleware

PROXY = "127.0.0.1"
INTERNET_CLIENT = "203.0.113.9"


def through_middleware(**meta: str) -> tuple[HttpResponse, dict]:
    """Run a request through TrustedProxyMiddleware; return the response and what the view saw."""
    seen: dict = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(secure=request.is_secure(), forwarded_for=request.headers.get("X-Forwarded-For"))
        return HttpResponse("ok")

    response = TrustedProxyMiddleware(view)(RequestFactory().get("/", **meta))
    return response, seen


@pytest.fixture
def behind_loopback_proxy(settings) -> None:
    settings.FIRMID_TRUSTED_PROXIES = ["127.0.0.1/32"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_forged_forwarded_proto_from_a_client_does_not_make_plain_http_secure(behind_loopback_proxy) -> None:
    _, seen = through_middleware(
        REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="127.0.0.1"
    )
    assert seen == {"secure": False, "forwarded_for": None}


def test_forwarded_proto_from_the_trusted_proxy_makes_the_request_secure(behind_loopback_proxy) -> None:
    _, seen = through_middleware(
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR=INTERNET_CLIENT
    )
    assert seen == {"secure": True, "forwarded_for": INTERNET_CLIENT}


def test_forwarded_proto_is_ignored_when_no_proxy_is_trusted(settings) -> None:
    settings.FIRMID_TRUSTED_PROXIES = []
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    _, seen = through_middleware(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert seen["secure"] is False


def test_malformed_forwarded_for_from_the_trusted_proxy_is_a_400_not_a_guess(client, behind_loopback_proxy) -> None:
    response = client.get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="unknown")
    assert response.status_code == 400
    assert "X-Forwarded-For" in response.content.decode()


def test_metrics_refuse_an_internet_client_forwarded_by_a_loopback_proxy(client, behind_loopback_proxy) -> None:
    assert client.get("/metrics", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=INTERNET_CLIENT).status_code == 403
    assert client.get("/metrics", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="127.0.0.9").status_code == 200


def test_metrics_ignore_a_forged_loopback_forwarded_for_from_an_untrusted_peer(client, settings) -> None:
    settings.FIRMID_TRUSTED_PROXIES = ["127.0.0.2/32"]
    assert client.get("/metrics", REMOTE_ADDR=INTERNET_CLIENT, HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403


# --- the setting: refused at start-up from the environment, and by a system check -----------


def test_trusted_proxies_from_the_environment_refuse_a_network_with_host_bits(monkeypatch) -> None:
    monkeypatch.setenv("FIRMID_TRUSTED_PROXIES", "10.0.0.5, 10.0.0.1/8")
    with pytest.raises(ImproperlyConfigured, match="'10.0.0.1/8' is not an IP address or network"):
        env.networks("FIRMID_TRUSTED_PROXIES")
    monkeypatch.setenv("FIRMID_TRUSTED_PROXIES", "10.0.0.5, 10.0.1.0/24")
    assert env.networks("FIRMID_TRUSTED_PROXIES") == ["10.0.0.5/32", "10.0.1.0/24"]


@pytest.mark.parametrize(
    ("value", "check_id", "words"),
    [
        (["proxy.internal"], "firmid.E021", "does not appear to be an IPv4 or IPv6 network"),
        (["10.0.0.1/8"], "firmid.E021", "has host bits set"),
        ("10.0.0.0/8", "firmid.E020", "a list"),
        (["10.0.0.5", "0.0.0.0/0"], "firmid.E022", "trusts every address"),
        (["::/0"], "firmid.E022", "trusts every address"),
    ],
)
def test_nonsensical_trusted_proxies_fail_the_system_check(settings, value, check_id: str, words: str) -> None:
    settings.FIRMID_TRUSTED_PROXIES = value
    [error] = check_trusted_proxies(None)
    assert error.id == check_id and words in error.msg


def test_sensible_trusted_proxies_pass_the_system_check(settings) -> None:
    settings.FIRMID_TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8::/64", "127.0.0.1/32"]
    assert check_trusted_proxies(None) == []


def test_deploy_check_warns_of_a_tls_proxy_header_without_trusted_proxies(settings) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.FIRMID_TRUSTED_PROXIES = []
    assert [w.id for w in check_proxy_configured(None)] == ["firmid.W023"]
    settings.FIRMID_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert check_proxy_configured(None) == []
