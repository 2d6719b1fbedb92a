"""My account's trusted browsers: what the list shows, and the cookie the trust lives in."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import RequestFactory

from firmid.mfa.models import FirmMfaLevel, TrustedBrowser
from firmid.mfa.trust import trusted_browser_create, user_trusted_browsers
from firmid.policy import MfaLevel, UserType
from firmid.signin.trust_stage import COOKIE, MAX_TOKENS, SECURE_COOKIE, cookie_tokens, set_trust_cookie
from firmid.testing.factories import set_level

DAY = 86400
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


def allow_trust(user, days: int) -> None:
    set_level(user.firm, UserType.PRACTITIONERS, MfaLevel.SUGGESTED)
    FirmMfaLevel.objects.filter(firm=user.firm).update(trust_browser_days=days)


def test_the_list_shows_label_dates_and_the_expiry_the_firm_allows_now(alice, frozen_clock) -> None:
    allow_trust(alice, 30)
    trusted_browser_create(user=alice, user_agent=FIREFOX)
    [row] = user_trusted_browsers(user=alice)
    assert row.label == "Firefox on Windows" and row.last_used is None
    assert (row.expires - row.trusted_on).total_seconds() == 30 * DAY
    FirmMfaLevel.objects.filter(firm=alice.firm).update(trust_browser_days=2)
    [row] = user_trusted_browsers(user=alice)
    assert (row.expires - row.trusted_on).total_seconds() == 2 * DAY
    frozen_clock.advance(2 * DAY)
    assert user_trusted_browsers(user=alice) == []  # no longer honoured: not listed
    FirmMfaLevel.objects.filter(firm=alice.firm).update(trust_browser_days=0)
    assert user_trusted_browsers(user=alice) == []


def test_the_fragment_lists_each_browser_with_revoke_and_revoke_all(alice) -> None:
    allow_trust(alice, 30)
    trusted_browser_create(user=alice, user_agent=FIREFOX)
    browsers = user_trusted_browsers(user=alice)
    html = render_to_string("myaccount/_trusted_browsers.html", {"trusted_browsers": browsers})
    pk = TrustedBrowser.objects.get().pk
    assert "Firefox on Windows" in html and "not yet" in html
    assert f'action="/my-account/trusted-browsers/{pk}/revoke/"' in html
    assert 'action="/my-account/trusted-browsers/revoke-all/"' in html
    assert render_to_string("myaccount/_trusted_browsers.html", {"trusted_browsers": []}).strip() == ""


def test_over_https_the_cookie_is_host_prefixed_and_secure() -> None:
    request = RequestFactory().get("/", secure=True)
    response = HttpResponse()
    set_trust_cookie(request, response, token="a" * 43, days=7)
    cookie = response.cookies[SECURE_COOKIE]
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/" and not cookie["domain"]
    assert COOKIE not in response.cookies


def test_the_cookie_keeps_the_newest_tokens_of_a_shared_browser() -> None:
    older = [chr(ord("a") + i) * 43 for i in range(MAX_TOKENS)]
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE] = ".".join([*older, "not-a-token"])
    assert cookie_tokens(request) == older
    response = HttpResponse()
    set_trust_cookie(request, response, token="z" * 43, days=7)
    assert response.cookies[COOKIE].value.split(".") == ["z" * 43, *older[: MAX_TOKENS - 1]]
