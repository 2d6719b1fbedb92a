"""Emails go in their recipient's language, whoever sends them: their choice, else their last sign-in's, else English."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from firmid.accounts.models import Role, User
from firmid.audit.actions import AuditAction
from firmid.core import clock
from firmid.mfa import notifications
from firmid.mfa.factors.recovery_codes import flows as recovery
from firmid.mfa.levels.reminders import _to_add_lazily
from firmid.testing.administration import user_url
from firmid.testing.factories import give_factor
from firmid.testing.language import english_words as english_words_of
from firmid.testing.signin import sign_in_as

pytestmark = pytest.mark.django_db


# English words that are not French words: one of them in a French email is English left.
def english_words(text: str) -> list[str]:
    """The English words of an email's text, people's names left out."""
    return english_words_of(text, names=list(User.objects.values_list("full_name", flat=True)), html=False)


@pytest.fixture(autouse=True)
def _english_outside_requests():
    translation.activate("en")
    yield
    translation.activate("en")


def speaking(user: User, language: str = "", last: str = "") -> User:
    """`user` with a chosen language (My account) and the language of their last sign-in."""
    User.objects.filter(pk=user.pk).update(language=language, last_language=last)
    user.refresh_from_db()
    return user


def to(user: User) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_an_english_speaking_agents_reset_reaches_a_french_user_in_french(
    make_user, make_agent, django_capture_on_commit_callbacks
) -> None:
    agent = make_agent(2)
    speaking(agent, "en")
    give_factor(agent)
    client = sign_in_as(Client(HTTP_ACCEPT_LANGUAGE="en"), agent)
    claire = speaking(make_user(role=Role.PRACTITIONER, email="claire@cabinet.test"), "fr")
    give_factor(claire)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            user_url(claire, "reset-mfa"), {"reason": "Lost phone, ticket 4242", "send_setup_link": "1"}
        )
    assert response.status_code == 302
    assert '<html lang="en">' in client.get(response.url).content.decode()  # the agent still reads English
    subjects = sorted(m.subject for m in to(claire))
    assert subjects == [
        "[firmid] L'authentification multifacteur de votre compte a été réinitialisée par le support",
        "[firmid] Votre lien pour configurer l'authentification multifacteur",
    ]
    for message in to(claire):
        assert message.body.startswith("Bonjour ")
        assert english_words(message.body) == [], message.body
    link = next(m for m in to(claire) if "lien" in m.subject)
    assert "Le lien ne fonctionne qu'une fois et expire dans" in link.body


def test_without_a_choice_the_language_of_the_last_sign_in_is_used(make_user) -> None:
    louis = speaking(make_user(role=Role.PRACTITIONER, email="louis@cabinet.test"), last="fr")
    notifications.factor_reset(user=louis)
    [message] = to(louis)
    assert (
        message.subject == "[firmid] L'authentification multifacteur de votre compte a été réinitialisée par le support"
    )


def test_a_user_with_no_language_is_written_to_in_english_even_from_a_french_page(make_user) -> None:
    jane = make_user(role=Role.PRACTITIONER, email="jane@firm.test")
    with translation.override("fr"):
        notifications.factor_reset(user=jane)
        notifications.setup_link(user=jane, url="https://firmid.test/setup/x", hours=1)
    reset, link = to(jane)
    assert reset.subject == "[firmid] Multi-factor authentication on your account was reset by support"
    assert reset.body.startswith("Hello User ")
    assert "The link works once and expires in 1 hour." in link.body


def test_a_choice_beats_the_last_sign_in(make_user) -> None:
    ana = speaking(make_user(role=Role.PRACTITIONER, email="ana@firm.test"), "en", "fr")
    notifications.factor_enrolled(user=ana)
    assert to(ana)[0].subject == "[firmid] Multi-factor authentication was set up on your account"


def test_a_recovery_code_email_gives_the_time_for_its_readers_language(make_user, frozen_clock) -> None:
    paul = speaking(make_user(role=Role.PRACTITIONER, email="paul@cabinet.test"), "fr")
    give_factor(paul)
    plain = recovery.recovery_codes_issue(user=paul, request=None)
    recovery.use_recovery_code(user=paul, raw_code=plain[0], request=None, purpose=AuditAction.MFA_SIGN_IN)
    [used] = [m for m in to(paul) if "code de secours" in m.subject]
    with translation.override("fr"):
        when = date_format(clock.now(), "DATETIME_FORMAT")
    assert f"le {when} UTC depuis une adresse inconnue" in used.body
    assert "il vous reste 9 codes de secours" in used.body
    assert english_words(used.body) == [], used.body


def test_in_english_the_time_and_the_unknown_address_read_as_english(make_user, frozen_clock) -> None:
    rob = make_user(role=Role.PRACTITIONER, email="rob@firm.test")
    give_factor(rob)
    plain = recovery.recovery_codes_issue(user=rob, request=None)
    recovery.use_recovery_code(user=rob, raw_code=plain[0], request=None, purpose=AuditAction.MFA_SIGN_IN)
    [used] = [m for m in to(rob) if "recovery code" in m.subject]
    assert f"on {date_format(clock.now(), 'DATETIME_FORMAT')} UTC from an unknown address." in used.body
    assert "you have 9 recovery codes left." in used.body


def test_a_reminders_list_of_what_to_add_is_written_in_the_emails_language() -> None:
    needed = _to_add_lazily(frozenset({"totp", "webauthn"}))
    with translation.override("fr"):
        assert str(needed).startswith("une application d'authentification sur votre téléphone")
    assert str(needed).startswith("an authenticator app on your phone")


def test_allauths_password_reset_email_goes_in_the_users_language_whoever_asks(make_user) -> None:
    marie = speaking(make_user(role=Role.PRACTITIONER, email="marie@cabinet.test"), "fr")
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/accounts/password/reset/", {"email": marie.email})
    assert response.status_code == 302
    [message] = to(marie)
    with translation.override("fr"):
        subject = translation.gettext("Password Reset Email")
    assert subject != "Password Reset Email"
    assert message.subject == f"[firmid] {subject}"
    assert "password reset" not in message.body.lower()


def test_allauths_email_to_an_english_user_stays_english_from_a_french_page(make_user) -> None:
    john = make_user(role=Role.PRACTITIONER, email="john@firm.test")
    Client(HTTP_ACCEPT_LANGUAGE="fr").post("/accounts/password/reset/", {"email": john.email})
    [message] = to(john)
    assert message.subject == "[firmid] Password Reset Email"


EMAILS = sorted(
    path.name.removesuffix("_message.txt")
    for path in (settings.BASE_DIR / "templates" / "firmid" / "email").glob("*_message.txt")
)


@pytest.mark.parametrize("template", EMAILS)
def test_every_email_reads_in_french_subject_and_body(template: str) -> None:
    firm = SimpleNamespace(name="Cabinet Martin")
    user = SimpleNamespace(full_name="Claire Martin", email="claire@cabinet.test", firm=firm)
    context = {
        "user": user,
        "firm": firm,
        "old": "ancienne@cabinet.test",
        "new": "claire@cabinet.test",
        "label": "Firefox sous Windows",
        "days": 30,
        "days_before": 7,
        "deadline": clock.now(),
        "at": clock.now(),
        "ip": "192.0.2.1",
        "left": 2,
        "few_left": True,
        "code": "123456",
        "minutes": 10,
        "hours": 24,
        "url": "https://firmid.test/x",
        "reset_url": "https://firmid.test/reset",
        "sign_in_url": "https://firmid.test/login",
        "my_account_url": "https://firmid.test/my-account",
        "to_add": _to_add_lazily(frozenset({"totp"})),
    }
    with translation.override("fr"):
        subject = render_to_string(f"firmid/email/{template}_subject.txt", context)
        body = render_to_string(f"firmid/email/{template}_message.txt", context)
    assert english_words(subject) == [] and english_words(body) == [], (subject, body)
    assert body.startswith("Bonjour Claire Martin,")
    assert "&#x27;" not in body + subject and "&amp;" not in body  # plain text: nothing HTML-escaped
