"""The authorization request is checked before anyone signs in, and answered in the mode it asks for.

OIDC Core 3.1.2.2 (validation) comes before 3.1.2.3 (authentication): a request that cannot
succeed is answered at once, to an anonymous user as to a signed-in one; RFC 6749 4.1.2.1
and OIDC Core 3.1.2.6 (errors, state, never a redirect to an unverified URI), RFC 9207
(iss, once), OAuth 2.0 Multiple Response Type Encoding Practices (response_mode) and OAuth
2.0 Form Post Response Mode.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.contrib.staticfiles import finders

from firmid.oidc.models import Grant
from firmid.oidc.services import application_register
from firmid.testing.oidc import (
    AUTHORIZE,
    REDIRECT,
    auth_request,
    error_of,
    exchange,
    goes_to_login,
    issuer,
    redirect_params,
    tokens_ok,
    verify_id_token,
)
from firmid.testing.signin import LOGIN, sign_in


class _Form(HTMLParser):
    """The forms and scripts of a page, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({**attributes, "fields": []})
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1]["fields"].append((attributes["name"], attributes.get("value", "")))
        elif tag == "script":
            self.scripts.append(attributes)


def _form_post(response) -> tuple[str, dict[str, str]]:
    """The action and fields of a form_post response page, checked as the spec says."""
    assert response.status_code == 200 and "Location" not in response, (response.status_code, response.get("Location"))
    assert response["Content-Type"].startswith("text/html")
    assert "no-store" in response["Cache-Control"]  # the page carries a code
    page = _Form()
    page.feed(response.content.decode())
    form = next(form for form in page.forms if form.get("id") == "firmid-form-post")
    assert form["method"].lower() == "post"
    names = [name for name, _ in form["fields"]]
    assert len(names) == len(set(names)), names  # iss (and everything else) once
    # No inline script (Content-Security-Policy script-src 'self'): a script file submits it.
    assert page.scripts and all(script.get("src", "").endswith("oidc/form_post.js") for script in page.scripts)
    assert b"<script>" not in response.content
    return form["action"], dict(form["fields"])


# Item 10: checked before sign-in, for an anonymous user ----------------------------------


def _answered_without_sign_in(response) -> None:
    assert not goes_to_login(response), response.get("Location")
    assert LOGIN not in response.get("Location", "")


@pytest.mark.parametrize("client_id", ["unknown-client", "", None])
def test_unknown_client_id_is_an_error_page_before_the_sign_in_page(client, registration, client_id) -> None:
    request = auth_request(registration, **({"client_id": client_id} if client_id is not None else {}))
    if client_id is None:
        request = auth_request(registration, drop=("client_id",))
    response = client.get(request.url)
    _answered_without_sign_in(response)
    assert response.status_code == 400 and "Location" not in response  # never a redirect
    page = response.content.decode()
    assert "This sign-in link does not work" in page and "firmid/site.css" in page  # firmid's layout
    assert 'name="password"' not in page


@pytest.mark.parametrize(
    "redirect_uri", ["https://attacker.example/callback", REDIRECT + "/extra", REDIRECT + "#x", None]
)
def test_unregistered_redirect_uri_is_an_error_page_before_the_sign_in_page(client, registration, redirect_uri) -> None:
    request = auth_request(registration, **({"redirect_uri": redirect_uri} if redirect_uri else {}))
    if redirect_uri is None:
        request = auth_request(registration, drop=("redirect_uri",))
    response = client.get(request.url)
    _answered_without_sign_in(response)
    assert response.status_code == 400 and "Location" not in response
    assert "attacker.example" not in response.content.decode()  # not even as a link


def test_missing_pkce_challenge_is_refused_before_the_sign_in_page(client, registration) -> None:
    request = auth_request(registration, drop=("code_challenge", "code_challenge_method"))
    response = client.get(request.url)
    _answered_without_sign_in(response)
    params = redirect_params(response, request)  # to the registered redirect_uri, state and iss echoed
    assert params["error"] == "invalid_request" and params["error_description"]


def test_implicit_response_type_token_is_refused_before_the_sign_in_page(client, registration) -> None:
    request = auth_request(registration, response_type="token")
    response = client.get(request.url)
    _answered_without_sign_in(response)
    assert error_of(response, request) == "unsupported_response_type"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": "id_token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"scope": "openid address"}, "invalid_scope"),
        ({"max_age": "abc"}, "invalid_request"),
        ({"prompt": "bogus"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "consent"}, "consent_required"),
        ({"response_mode": "fragment"}, "invalid_request"),
        ({"response_mode": "bogus"}, "invalid_request"),
        ({"nonce": "n" * 256}, "invalid_request"),
        ({"resource": "not a uri"}, "invalid_target"),
        ({"request": "x.y.z"}, "request_not_supported"),
        ({"request_uri": "urn:x"}, "request_uri_not_supported"),
        ({"id_token_hint": "a.b.c"}, "invalid_request"),
    ],
)
def test_invalid_request_is_answered_before_the_sign_in_page(client, registration, params: dict, error: str) -> None:
    request = auth_request(registration, **params)
    response = client.get(request.url)
    _answered_without_sign_in(response)
    assert error_of(response, request) == error


def test_repeated_parameter_is_refused_before_the_sign_in_page(client, registration) -> None:
    request = auth_request(registration)
    request.extra_query = urlencode({"nonce": "second"})
    response = client.get(request.url)
    _answered_without_sign_in(response)
    assert error_of(response, request) == "invalid_request"


def test_valid_request_leads_to_the_sign_in_page_and_back(client, alice, password, registration) -> None:
    request = auth_request(registration)
    response = client.get(request.url)
    assert goes_to_login(response)
    assert parse_qs(urlparse(response["Location"]).query)["next"] == [request.url]
    assert sign_in(client, alice.email, password, request.url)["Location"] == request.url


def test_authorization_request_by_post_is_checked_before_the_sign_in_page(client, registration) -> None:
    request = auth_request(registration, drop=("code_challenge",))
    again = client.post(AUTHORIZE, request.params)
    assert again.status_code == 303
    assert error_of(client.get(again["Location"]), request) == "invalid_request"


# response_mode ----------------------------------------------------------------------------


def test_response_mode_fragment_is_refused_with_iss_once_and_no_fragment(client, alice, password, registration) -> None:
    sign_in(client, alice.email, password)
    request = auth_request(registration, response_mode="fragment")
    response = client.get(request.url)
    location = urlparse(response["Location"])
    assert not location.fragment  # no code, and no second iss, in a fragment
    assert parse_qs(location.query)["iss"] == [issuer()]
    assert error_of(response, request) == "invalid_request"
    assert not Grant.objects.exists()


def test_response_mode_query_is_the_default(client, alice, password, registration) -> None:
    sign_in(client, alice.email, password)
    request = auth_request(registration, response_mode="query")
    assert set(redirect_params(client.get(request.url), request)) == {"code", "state", "iss"}


def test_response_mode_form_post_is_posted_not_silently_put_in_the_query(client, alice, password, registration) -> None:
    request = auth_request(registration, response_mode="form_post")
    response = client.get(request.url)
    assert goes_to_login(response)
    assert sign_in(client, alice.email, password, request.url)["Location"] == request.url
    action, fields = _form_post(client.get(request.url))
    assert action == REDIRECT
    assert set(fields) == {"code", "state", "iss"}
    assert fields["state"] == request.state and fields["iss"] == issuer()
    # The relying party receives those fields by POST and redeems the code as usual.
    tokens = tokens_ok(exchange(registration, fields["code"], request.verifier))
    claims = verify_id_token(tokens["id_token"], registration=registration, nonce=request.nonce).claims
    assert claims["sub"] == str(alice.public_id)


def test_form_post_page_allows_its_form_to_go_to_the_application_only(client, alice, password, registration) -> None:
    sign_in(client, alice.email, password)
    response = client.get(auth_request(registration, response_mode="form_post").url)
    _form_post(response)
    policy = response.get("Content-Security-Policy", "")
    if policy:  # django-csp's middleware: script-src 'self' and form-action to the redirect URI's origin
        directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
        assert "http://127.0.0.1:9999" in directives["form-action"]
        assert "'unsafe-inline'" not in directives.get("script-src", [])


def test_form_post_error_is_posted_with_state_and_iss(client, registration) -> None:
    request = auth_request(registration, response_mode="form_post", drop=("code_challenge",))
    action, fields = _form_post(client.get(request.url))
    assert action == REDIRECT
    assert fields["error"] == "invalid_request" and fields["state"] == request.state and fields["iss"] == issuer()
    assert "code" not in fields


def test_form_post_prompt_none_without_session_is_posted_login_required(client, registration) -> None:
    request = auth_request(registration, response_mode="form_post", prompt="none")
    _, fields = _form_post(client.get(request.url))
    assert fields["error"] == "login_required" and fields["state"] == request.state and fields["iss"] == issuer()


def test_form_post_to_a_redirect_uri_with_a_query_keeps_it_in_the_action(client, alice, password) -> None:
    registered = REDIRECT + "?tenant=a"
    application = application_register(
        actor=None, name="Tenant", home_url="http://127.0.0.1:9999/", redirect_uris=[registered]
    )
    sign_in(client, alice.email, password)
    request = auth_request(application, redirect_uri=registered, response_mode="form_post")
    action, fields = _form_post(client.get(request.url))
    assert action == registered and set(fields) == {"code", "state", "iss"}


def test_form_post_unknown_client_is_still_an_error_page(client, registration) -> None:
    request = auth_request(registration, response_mode="form_post", redirect_uri="https://attacker.example/cb")
    response = client.get(request.url)
    assert response.status_code == 400 and b"attacker.example" not in response.content


def test_form_post_script_is_a_static_file() -> None:
    script = finders.find("oidc/form_post.js")
    assert script and "firmid-form-post" in Path(script).read_text(encoding="utf-8")
