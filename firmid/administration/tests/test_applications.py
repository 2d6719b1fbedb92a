"""Applications: registering, reading, editing, regenerating the secret of and deleting an application."""

from __future__ import annotations

import base64
import re

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.test import Client
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from firmid.accounts.models import User
from firmid.administration.views.applications import SECRET_WARNING
from firmid.audit.models import AuditEvent
from firmid.core.errors import NotAllowed, ServiceError
from firmid.demo.data import DEMO_RP_CLIENT_ID, load_demo
from firmid.oidc.models import ApplicationProfile
from firmid.oidc.services import application_register, application_update
from firmid.testing.factories import give_factor
from firmid.testing.oidc import demo_rp_tokens

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()

LIST = "/administration/applications/"
NEW = "/administration/applications/new/"
GOOD = {
    "name": "Payroll",
    "home_url": "https://payroll.example.test/",
    "redirect_uris": "https://payroll.example.test/callback\r\nhttps://payroll.example.test/cb2",
    "post_logout_redirect_uris": "https://payroll.example.test/",
    "client_type": "confidential",
    "scopes": ["openid", "profile", "email"],
}


def detail_url(app) -> str:
    return f"/administration/applications/{app.pk}/"


def shown_secret(response) -> str:
    return re.search(r'id="client-secret">([^<]+)<', response.content.decode()).group(1)


def state() -> tuple:
    """Everything an application change could alter, and the audit log's size."""
    return (
        sorted(
            Application.objects.values_list(
                "pk",
                "name",
                "client_secret",
                "redirect_uris",
                "client_type",
                "allowed_origins",
            )
        ),
        sorted(ApplicationProfile.objects.values_list("pk", "home_url", "user_types", "allowed_scopes", "require_mfa")),
        AuditEvent.objects.count(),
    )


def token_exchange_status(client_id: str, secret: str) -> int:
    """The token endpoint's status for a forged code: 401 when the client fails to authenticate."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = Client().post(
        "/oauth/token/",
        {"grant_type": "authorization_code", "code": "forged", "redirect_uri": "https://x.test/"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    return response.status_code


@pytest.fixture
def documents(demo):
    return Application.objects.get(client_id=DEMO_RP_CLIENT_ID)


# --- the list and the detail page -------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3])
def test_list_shows_the_registered_applications(client: Client, signed_in_agent, documents, level: int) -> None:
    signed_in_agent(level)
    page = client.get(LIST).content.decode()
    assert "<h1>Applications</h1>" in page
    assert '<a href="/administration/applications/" class="active">Applications</a>' in page
    for column in ("Name", "Client ID", "Type", "User types", "MFA required"):
        assert f'<th scope="col">{column}</th>' in page
    assert f'<a href="{detail_url(documents)}">Documents</a>' in page
    assert "<code>documents-demo</code>" in page
    assert "<td>Confidential</td>" in page and "<td>All</td>" in page and "<td>No</td>" in page
    assert ("Register an application" in page) is (level > 1)


@pytest.mark.parametrize("level", [2, 3])
def test_detail_page_offers_the_actions_to_level_2_and_3(client: Client, signed_in_agent, documents, level) -> None:
    signed_in_agent(level)
    page = client.get(detail_url(documents)).content.decode()
    assert "<h1>Documents</h1>" in page and "http://127.0.0.1:8001/callback" in page
    for action in ("Edit", "Regenerate client secret", "Delete"):
        assert f">{action}</a>" in page


def test_level_1_sees_the_detail_read_only(client: Client, signed_in_agent, documents) -> None:
    signed_in_agent(1)
    page = client.get(detail_url(documents)).content.decode()
    assert "<h1>Documents</h1>" in page and "documents-demo" in page
    assert (
        "Edit" not in page
        and "Regenerate" not in page
        and "Delete" not in page
        and "<form" not in page.split("</header>")[1]
    )


def test_unknown_application_is_not_found(client: Client, signed_in_agent, db) -> None:
    signed_in_agent(2)
    assert client.get("/administration/applications/999999/").status_code == 404
    assert client.get(f"/administration/applications/{2**70}/").status_code == 404


# --- registering ------------------------------------------------------------------------


def test_register_a_confidential_client_shows_its_secret_once_and_keeps_a_hash(
    client: Client, signed_in_agent, db
) -> None:
    agent = signed_in_agent(2)
    form = client.get(NEW)
    assert form.status_code == 200 and "Require MFA for this application" in form.content.decode()
    response = client.post(NEW, {**GOOD, "user_types": ["practitioners"], "require_mfa": "on"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert str(SECRET_WARNING) in response.content.decode()
    secret = shown_secret(response)
    app = Application.objects.get(name="Payroll")
    assert app.client_id in response.content.decode()
    assert app.client_secret != secret and check_password(secret, app.client_secret)
    assert app.client_type == Application.CLIENT_CONFIDENTIAL
    assert app.redirect_uris.split() == ["https://payroll.example.test/callback", "https://payroll.example.test/cb2"]
    profile = app.firmid_profile
    assert (profile.user_types, profile.require_mfa, profile.home_url) == (["practitioners"], True, GOOD["home_url"])
    event = AuditEvent.objects.get(action="application_registered", new_value=app.client_id)
    assert event.actor == agent and event.detail == "Payroll"
    for url in (detail_url(app), LIST, f"{detail_url(app)}edit/"):
        assert secret not in client.get(url).content.decode(), url


def test_register_a_public_client_has_no_secret(client: Client, signed_in_agent, db) -> None:
    signed_in_agent(3)
    response = client.post(NEW, {**GOOD, "client_type": "public"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert 'id="client-secret"' not in response.content.decode()
    app = Application.objects.get(name="Payroll")
    assert app.client_type == Application.CLIENT_PUBLIC
    page = client.get(LIST).content.decode()
    assert "<td>Public</td>" in page
    assert "Regenerate client secret" not in client.get(detail_url(app)).content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "An application needs a name."),
        ({"name": "x" * 256}, "at most 255 characters"),
        ({"redirect_uris": ""}, "An application needs at least one redirect URI."),
        ({"redirect_uris": "http://a/*"}, "is not an exact absolute URL"),
        ({"redirect_uris": "https://a.test/cb#frag"}, "is not an exact absolute URL"),
        ({"redirect_uris": "javascript:alert(1)"}, "is not an exact absolute URL"),
        ({"redirect_uris": "https://a.test/c b"}, "is not an exact absolute URL"),
        ({"redirect_uris": "https://a.test/" + "p" * 600}, "longer than 500 characters"),
        ({"post_logout_redirect_uris": "ftp://a.test/"}, "is not an exact absolute URL"),
        ({"home_url": ""}, "An application needs a home URL."),
        ({"user_types": ["nobody"]}, "is not one of the available choices"),
        ({"scopes": ["profile", "email"]}, "Scopes must include openid"),
        ({"scopes": []}, "Scopes must include openid"),
        ({"client_type": "hybrid"}, "is not one of the available choices"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_creates_nothing(
    client: Client, signed_in_agent, db, change, message
) -> None:
    signed_in_agent(2)
    before = state()
    response = client.post(NEW, {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<h1>Register an application</h1>" in response.content.decode()
    assert state() == before


def test_the_service_refuses_an_unknown_user_type_too(make_agent) -> None:
    with pytest.raises(ServiceError, match="Unknown user type"):
        application_register(
            actor=make_agent(2),
            name="X",
            home_url="https://x.test/",
            redirect_uris=["https://x.test/cb"],
            user_types=["nobody"],
        )
    assert not Application.objects.exists()


def test_a_client_id_already_taken_is_refused(client: Client, signed_in_agent, documents) -> None:
    before = state()
    with pytest.raises(ServiceError, match="already exists"):
        application_register(
            actor=None,
            name="Twin",
            home_url="https://x.test/",
            redirect_uris=["https://x.test/cb"],
            client_id=DEMO_RP_CLIENT_ID,
        )
    assert state() == before


# --- allowed origins (CORS for single-page applications) ------------------------------


def test_allowed_origins_are_registered_normalised_shown_and_audited(client: Client, signed_in_agent, db) -> None:
    agent = signed_in_agent(2)
    assert "Allowed origins (single-page applications)" in client.get(NEW).content.decode()
    origins = "https://SPA.example.test:443/\r\nhttp://localhost:5173\r\n\r\nhttp://127.0.0.1:8080\r\nhttps://spa.example.test"
    response = client.post(NEW, {**GOOD, "client_type": "public", "allowed_origins": origins})
    assert response.status_code == 200
    app = Application.objects.get(name="Payroll")
    # As browsers send an Origin header: lower case, no default port, no slash; each once.
    assert app.allowed_origins == "https://spa.example.test http://localhost:5173 http://127.0.0.1:8080"
    assert AuditEvent.objects.filter(action="application_registered", actor=agent, new_value=app.client_id).exists()
    page = client.get(detail_url(app)).content.decode()
    assert "Allowed origins (single-page applications)" in page
    assert "<code>https://spa.example.test</code><br><code>http://localhost:5173</code>" in page
    form = client.get(f"{detail_url(app)}edit/").content.decode()
    assert "https://spa.example.test\nhttp://localhost:5173\nhttp://127.0.0.1:8080</textarea>" in form


def test_editing_allowed_origins_is_audited_in_the_same_change(client: Client, signed_in_agent, documents) -> None:
    agent = signed_in_agent(3)
    response = client.post(
        f"{detail_url(documents)}edit/",
        {
            "name": "Documents",
            "home_url": "http://127.0.0.1:8001/",
            "redirect_uris": "http://127.0.0.1:8001/callback",
            "scopes": ["openid"],
            "allowed_origins": "https://documents.example.test",
        },
    )
    assert response.status_code == 302
    documents.refresh_from_db()
    assert documents.allowed_origins == "https://documents.example.test"
    assert AuditEvent.objects.filter(action="application_updated", actor=agent, new_value=DEMO_RP_CLIENT_ID).exists()
    assert "<code>https://documents.example.test</code>" in client.get(detail_url(documents)).content.decode()


@pytest.mark.parametrize(
    "origin",
    [
        "https://spa.example.test/app",
        "https://spa.example.test//",
        "https://*.example.test",
        "*",
        "null",
        "http://spa.example.test",
        "http://192.168.1.10:8080",
        "https://spa.example.test?x=1",
        "https://spa.example.test#x",
        "https://user:pw@spa.example.test",
        "javascript:alert(1)",
        "ftp://spa.example.test",
        "spa.example.test",
        "https://spa.example.test:99999",
        "https://spä.example.test",
        "https://" + "a" * 600,
    ],
)
def test_an_allowed_origin_that_is_not_an_exact_origin_is_refused(
    client: Client, signed_in_agent, documents, origin
) -> None:
    signed_in_agent(2)
    before = state()
    response = client.post(NEW, {**GOOD, "allowed_origins": f"https://ok.example.test\r\n{origin}"})
    assert response.status_code == 400
    assert "is not an origin: scheme://host[:port] only" in response.content.decode()
    assert state() == before
    response = client.post(
        f"{detail_url(documents)}edit/",
        {
            "name": "Documents",
            "home_url": "http://127.0.0.1:8001/",
            "redirect_uris": "http://127.0.0.1:8001/callback",
            "scopes": ["openid"],
            "allowed_origins": origin,
        },
    )
    assert response.status_code == 400 and "is not an origin" in response.content.decode()
    assert state() == before


def test_at_most_twenty_allowed_origins(make_agent, db) -> None:
    with pytest.raises(ServiceError, match="At most 20 allowed origins"):
        application_register(
            actor=make_agent(2),
            name="X",
            home_url="https://x.test/",
            redirect_uris=["https://x.test/cb"],
            allowed_origins=[f"https://spa{n}.example.test" for n in range(21)],
        )
    assert not Application.objects.exists()


# --- level 1 may not change anything ----------------------------------------------------


def test_level_1_forged_posts_are_refused_and_change_nothing(client: Client, signed_in_agent, documents) -> None:
    signed_in_agent(1)
    before = state()
    assert client.get(NEW).status_code == 403
    for url in (
        NEW,
        f"{detail_url(documents)}edit/",
        f"{detail_url(documents)}regenerate-secret/",
        f"{detail_url(documents)}delete/",
    ):
        response = client.post(url, {**GOOD, "name": "Hijacked", "allowed_origins": "https://evil.example.test"})
        assert response.status_code == 403, url
        assert client.get(url).status_code == 403, url
    assert state() == before


def test_level_1_is_refused_by_the_services_too(make_agent, documents) -> None:
    with pytest.raises(NotAllowed):
        application_update(
            actor=make_agent(1),
            application=documents,
            name="Hijacked",
            home_url="https://x.test/",
            redirect_uris=["https://x.test/cb"],
            user_types=[],
            allowed_scopes=["openid"],
            require_mfa=False,
        )


# --- editing, regenerating, deleting ----------------------------------------------------


def test_edit_changes_the_settings_and_is_audited(client: Client, signed_in_agent, documents) -> None:
    agent = signed_in_agent(2)
    form = client.get(f"{detail_url(documents)}edit/").content.decode()
    assert "http://127.0.0.1:8001/callback</textarea>" in form and 'value="Documents"' in form
    response = client.post(
        f"{detail_url(documents)}edit/",
        {
            "name": "Documents 2",
            "home_url": "http://127.0.0.1:8001/",
            "redirect_uris": "http://127.0.0.1:8001/cb2",
            "user_types": ["clients", "client_employees"],
            "scopes": ["openid"],
            "require_mfa": "on",
        },
    )
    assert response.status_code == 302 and response.url == detail_url(documents)
    documents.refresh_from_db()
    profile = ApplicationProfile.objects.get(application=documents)
    assert documents.name == "Documents 2" and documents.redirect_uris == "http://127.0.0.1:8001/cb2"
    assert profile.user_types == ["clients", "client_employees"] and profile.allowed_scopes == ["openid"]
    assert profile.require_mfa and documents.client_type == Application.CLIENT_CONFIDENTIAL
    assert AuditEvent.objects.filter(action="application_updated", actor=agent, new_value=DEMO_RP_CLIENT_ID).exists()
    page = client.get(LIST).content.decode()
    assert "<td>Yes</td>" in page and "Administrator clients and standard clients, Employees" in page


def test_a_refused_edit_changes_nothing(client: Client, signed_in_agent, documents) -> None:
    signed_in_agent(2)
    before = state()
    response = client.post(
        f"{detail_url(documents)}edit/",
        {
            "name": "Documents",
            "home_url": "http://127.0.0.1:8001/",
            "redirect_uris": "http://a/*",
            "scopes": ["openid"],
        },
    )
    assert response.status_code == 400 and "is not an exact absolute URL" in response.content.decode()
    assert state() == before


def test_narrowing_the_user_types_revokes_the_tokens_of_those_left_out(
    client: Client, signed_in_agent, documents, password
) -> None:
    tokens = demo_rp_tokens("alice@demo-accounting.test", password)
    signed_in_agent(2)
    client.post(
        f"{detail_url(documents)}edit/",
        {
            "name": "Documents",
            "home_url": "http://127.0.0.1:8001/",
            "redirect_uris": "http://127.0.0.1:8001/callback",
            "user_types": ["clients"],
            "scopes": ["openid"],
        },
    )
    assert not RefreshToken.objects.filter(application=documents, revoked__isnull=True).exists()
    userinfo = Client().get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 401


def test_requiring_mfa_revokes_the_tokens_issued_without_it(
    client: Client, signed_in_agent, documents, password
) -> None:
    alice = User.objects.get(email="alice@demo-accounting.test")
    bob = User.objects.get(email="bob@client-one.test")
    password_only = demo_rp_tokens(alice.email, password)
    with_mfa = demo_rp_tokens(bob.email, password, totp_secret=give_factor(bob))
    signed_in_agent(2)
    client.post(
        f"{detail_url(documents)}edit/",
        {
            "name": "Documents",
            "home_url": "http://127.0.0.1:8001/",
            "redirect_uris": "http://127.0.0.1:8001/callback",
            "scopes": ["openid"],
            "require_mfa": "on",
        },
    )
    assert not RefreshToken.objects.filter(user=alice, revoked__isnull=True).exists()
    assert RefreshToken.objects.filter(user=bob, revoked__isnull=True).exists()
    for tokens, status in ((password_only, 401), (with_mfa, 200)):
        userinfo = Client().get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        assert userinfo.status_code == status


def test_regenerate_shows_a_new_secret_once_and_the_old_one_stops_working(
    client: Client, signed_in_agent, documents
) -> None:
    agent = signed_in_agent(3)
    old = settings.FIRMID_DEMO_RP_SECRET
    assert token_exchange_status(DEMO_RP_CLIENT_ID, old) == 400  # authenticated; the code is refused
    url = f"{detail_url(documents)}regenerate-secret/"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "<h1>Confirm</h1>" in confirm.content.decode()
    documents.refresh_from_db()
    assert check_password(old, documents.client_secret)  # the Confirm step changed nothing
    response = client.post(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert str(SECRET_WARNING) in response.content.decode()
    new = shown_secret(response)
    documents.refresh_from_db()
    assert not check_password(old, documents.client_secret) and check_password(new, documents.client_secret)
    assert documents.client_secret != new
    assert token_exchange_status(DEMO_RP_CLIENT_ID, old) == 401
    assert token_exchange_status(DEMO_RP_CLIENT_ID, new) == 400
    assert new not in client.get(detail_url(documents)).content.decode()
    assert AuditEvent.objects.filter(action="application_secret_regenerated", actor=agent).exists()


def test_a_public_client_has_no_secret_to_regenerate(client: Client, signed_in_agent, db) -> None:
    signed_in_agent(2)
    client.post(NEW, {**GOOD, "client_type": "public"})
    app = Application.objects.get(name="Payroll")
    response = client.post(f"{detail_url(app)}regenerate-secret/")
    assert response.status_code == 409 and "A public client has no secret." in response.content.decode()


def test_delete_asks_to_confirm_then_removes_the_application_and_its_tokens(
    client: Client, signed_in_agent, documents, password
) -> None:
    tokens = demo_rp_tokens("alice@demo-accounting.test", password)
    assert AccessToken.objects.filter(application=documents).exists()
    agent = signed_in_agent(2)
    url = f"{detail_url(documents)}delete/"
    assert "<h1>Confirm</h1>" in client.get(url).content.decode()
    assert Application.objects.filter(pk=documents.pk).exists()
    response = client.post(url)
    assert response.status_code == 302 and response.url == LIST
    assert not Application.objects.filter(pk=documents.pk).exists()
    assert not ApplicationProfile.objects.filter(application_id=documents.pk).exists()
    assert not AccessToken.objects.exists() and not RefreshToken.objects.exists()
    userinfo = Client().get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 401
    assert AuditEvent.objects.filter(action="application_deleted", actor=agent, old_value=DEMO_RP_CLIENT_ID).exists()


def test_the_audit_log_never_holds_a_secret(client: Client, signed_in_agent, documents) -> None:
    signed_in_agent(2)
    first = shown_secret(client.post(NEW, GOOD))
    app = Application.objects.get(name="Payroll")
    second = shown_secret(client.post(f"{detail_url(app)}regenerate-secret/"))
    client.post(f"{detail_url(app)}delete/")
    events = AuditEvent.objects.filter(action__startswith="application_")
    assert {e.action for e in events} == {
        "application_registered",
        "application_secret_regenerated",
        "application_deleted",
    }
    for event in events.values():
        for value in event.values():
            assert first not in str(value) and second not in str(value)


# --- the demo application of `make run` -------------------------------------------------


def test_load_demo_registers_documents_once(demo, documents) -> None:
    assert check_password(settings.FIRMID_DEMO_RP_SECRET, documents.client_secret)
    assert documents.redirect_uris == "http://127.0.0.1:8001/callback"
    assert documents.post_logout_redirect_uris == "http://127.0.0.1:8001/"
    assert documents.firmid_profile.allowed_scopes == ["openid", "profile", "email"]
    assert documents.firmid_profile.user_types == []
    before = state()
    assert load_demo() == []
    assert state() == before
