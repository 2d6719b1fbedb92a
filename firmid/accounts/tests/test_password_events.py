"""A password change or reset ends every other session and every token of the user, and is audited."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client, RequestFactory

from firmid.accounts import services
from firmid.accounts.models import Role, User
from firmid.audit.models import AuditEvent
from firmid.core.seams.allauth import record_authentication
from firmid.testing.oidc import USERINFO, code_flow, oauth_error, refresh
from firmid.testing.signin import HOME, sign_in, sign_in_as

CHANGE = "/accounts/password/change/"
RESET = "/accounts/password/reset/"
NEW_PASSWORD = "a brand new long passphrase"


def change_password(browser: Client, old: str, new: str = NEW_PASSWORD):
    return browser.post(CHANGE, {"oldpassword": old, "password1": new, "password2": new})


def reset_password(email: str, new: str = NEW_PASSWORD):
    """Ask a reset link for `email` and follow it in a fresh browser: the response to the new password."""
    browser = Client()
    browser.post(RESET, {"email": email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form_url = browser.get(link).url
    return browser.post(form_url, {"password1": new, "password2": new})


def _userinfo(access_token: str) -> int:
    return Client().get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {access_token}").status_code


def test_password_change_revokes_every_token_and_ends_the_other_sessions(alice, password, registration) -> None:
    application = Client()
    _, tokens = code_flow(application, registration, alice, password)
    browser = Client()
    sign_in(browser, alice.email, password)
    assert change_password(browser, password).status_code == 302
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert _userinfo(tokens["access_token"]) == 401
    assert application.get(HOME).status_code == 302


def test_password_reset_by_email_link_revokes_every_token_and_ends_every_session(alice, password, registration) -> None:
    application = Client()
    _, tokens = code_flow(application, registration, alice, password)
    assert reset_password(alice.email).status_code == 302
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert _userinfo(tokens["access_token"]) == 401
    assert application.get(HOME).status_code == 302


def test_new_password_signs_in_after_a_change(client, alice, password) -> None:
    sign_in(client, alice.email, password)
    change_password(client, password)
    assert sign_in(Client(), alice.email, password).status_code == 200
    assert sign_in(Client(), alice.email, NEW_PASSWORD).status_code == 302


def test_password_change_is_audited_without_the_password(client, alice, password) -> None:
    sign_in(client, alice.email, password)
    change_password(client, password)
    event = AuditEvent.objects.get(action="password_changed")
    assert (event.actor_id, event.subject_id, event.outcome, event.firm_id) == (
        alice.pk,
        alice.pk,
        "success",
        alice.firm_id,
    )
    assert event.ip_address == "127.0.0.1"
    row = " ".join(str(v) for v in AuditEvent.objects.filter(pk=event.pk).values().first().values())
    assert password not in row and NEW_PASSWORD not in row


def test_password_reset_request_and_completion_are_audited_without_secrets(alice) -> None:
    reset_password(alice.email)
    requested = AuditEvent.objects.get(action="password_reset_requested")
    done = AuditEvent.objects.get(action="password_reset")
    assert (requested.subject_id, requested.actor_id, requested.outcome) == (alice.pk, None, "success")
    assert (done.subject_id, done.outcome, done.firm_id) == (alice.pk, "success", alice.firm_id)
    link = re.search(r"/accounts/password/reset/key/(\S+)", mail.outbox[0].body).group(1)
    for event in AuditEvent.objects.filter(action__startswith="password_reset").values():
        row = " ".join(str(v) for v in event.values())
        assert NEW_PASSWORD not in row and link not in row and link.split("-", 1)[1] not in row


def test_password_change_and_its_audit_row_commit_together(client, alice, password, monkeypatch) -> None:
    sign_in(client, alice.email, password)
    before = User.objects.values_list("password", "session_generation").get(pk=alice.pk)

    def broken_audit(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    client.raise_request_exception = False
    assert change_password(client, password).status_code == 500
    assert User.objects.values_list("password", "session_generation").get(pk=alice.pk) == before
    assert not AuditEvent.objects.filter(action="password_changed").exists()


def test_password_reset_link_works_once(alice) -> None:
    browser = Client()
    browser.post(RESET, {"email": alice.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form_url = browser.get(link).url
    assert browser.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    again = Client().get(link)
    assert again.status_code == 200 and again.context["token_fail"]


def test_password_set_by_a_user_without_one_ends_their_other_sessions_and_is_audited(client, make_user) -> None:

    user = make_user(role=Role.PRACTITIONER, email="nopass@example.test")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    sign_in_as(client, user)
    # A recent authentication, as the sign-in leaves it: setting a password needs one.
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, user, method="password")
    request.session.save()
    other = Client()
    sign_in_as(other, user)
    assert (
        client.post("/accounts/password/set/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code
        == 302
    )
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert other.get(HOME).status_code == 302
    event = AuditEvent.objects.get(action="password_set")
    assert (event.actor_id, event.subject_id) == (user.pk, user.pk)


def test_password_changed_on_the_command_line_revokes_every_token_and_is_audited(
    alice, password, registration, monkeypatch
) -> None:
    from django.contrib.auth.management.commands import changepassword
    from django.core.management import call_command

    application = Client()
    _, tokens = code_flow(application, registration, alice, password)
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": NEW_PASSWORD)
    call_command("changepassword", alice.email, stdout=None)
    assert User.objects.get(pk=alice.pk).check_password(NEW_PASSWORD)
    assert oauth_error(refresh(registration, tokens["refresh_token"])) == "invalid_grant"
    assert _userinfo(tokens["access_token"]) == 401
    event = AuditEvent.objects.get(action="password_changed")
    assert (event.actor_id, event.subject_id, event.detail) == (
        None,
        alice.pk,
        "on the command line (manage.py changepassword)",
    )
