"""No page of allauth's stock UI is reachable: every page a person sees is one of firmid's templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from firmid.accounts.models import Role
from firmid.testing.factories import give_factor
from firmid.testing.signin import HOME, sign_in

PROJECT = Path(settings.BASE_DIR).resolve()
SITE_PACKAGES = "site-packages"


def _allauth_paths() -> list[str]:
    """Every path under /accounts/ that allauth's URLconf serves and a browser may GET."""
    paths = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif (
                isinstance(pattern, URLPattern)
                and "<" not in str(pattern.pattern)
                and "(?P" not in str(pattern.pattern)
            ):
                paths.append("/" + prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return sorted({p for p in paths if p.startswith("/accounts/")})


def _top_template_is_firmids(response) -> str | None:
    """Return the stock template a page rendered, or None when it is firmid's (or no page: a redirect, a 404)."""
    templates = [t for t in getattr(response, "templates", []) if t.origin and t.origin.name]
    if response.status_code in (301, 302, 404, 405) or not templates:
        return None
    origin = Path(templates[0].origin.name).resolve()
    return None if PROJECT in origin.parents and SITE_PACKAGES not in origin.parts else templates[0].name


def _stock_pages(client) -> dict[str, str]:
    stock = {}
    for path in _allauth_paths():
        response = client.get(path)
        name = _top_template_is_firmids(response)
        if name:
            stock[path] = name
    for path in ("/accounts/password/reset/key/ab-bad-key/", "/accounts/confirm-email/bad-key/"):
        name = _top_template_is_firmids(client.get(path))
        if name:
            stock[path] = name
    return stock


def test_a_visitor_meets_no_stock_page(client, db) -> None:
    assert _stock_pages(client) == {}


@pytest.mark.parametrize("with_factor", [False, True], ids=["password only", "with a factor"])
def test_a_signed_in_user_meets_no_stock_page(client, make_user, password, frozen_clock, with_factor) -> None:
    user = make_user(role=Role.STANDARD_CLIENT)
    secret = give_factor(user) if with_factor else None
    assert sign_in(client, user.email, password, totp_secret=secret).url == HOME
    frozen_clock.advance(301)  # so that the re-authentication pages show
    assert _stock_pages(client) == {}
