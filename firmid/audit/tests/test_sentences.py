"""Every audit event reads as a sentence in English and in French, from the rows the services write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import translation

from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.audit.models import AuditEvent
from firmid.audit.sentences import ACTION_GROUPS, ACTION_LABELS, OUTCOME_LABELS, knows, sentence
from firmid.audit.services import audit_record
from firmid.mfa.levels.services import TypeSettingsInput, firm_save_mfa_settings
from firmid.mfa.levels.uncovered import parse_uncovered_query, uncovered_export_record
from firmid.mfa.services import user_reset_mfa
from firmid.policy import MfaLevel, UserType
from firmid.testing.factories import give_factor

A = AuditAction
O = AuditOutcome  # noqa: E741

# One event per action and outcome the services write, with its fields as they write them
# (grep the action in firmid/). "actor", "subject" name who: "agent", "user" or None.
SAMPLES: dict[AuditAction, list[dict]] = {
    A.SIGN_IN: [
        {"actor": "user", "subject": "user"},
        {"actor": "user", "subject": "user", "outcome": O.REFUSED, "detail": "account disabled while signing in"},
        {
            "actor": "user",
            "subject": "user",
            "outcome": O.REFUSED,
            "detail": "passkey sign-in: passkey did not verify its user",
        },
        {
            "actor": "user",
            "subject": "user",
            "outcome": O.REFUSED,
            "detail": "policy now asks verify: no second factor given in this sign-in",
        },
    ],
    A.SIGN_OUT: [{"actor": "user", "subject": "user"}],
    A.SIGN_IN_PASSWORD: [
        {"outcome": O.FAILURE, "detail": "as jean@example.test", "ip": "192.0.2.7"},
        {"actor": "user", "subject": "user", "outcome": O.REFUSED, "detail": "user type signs in through SSO"},
    ],
    A.MFA_SIGN_IN: [
        {"actor": "user", "subject": "user", "outcome": O.FAILURE, "factor_type": "totp"},
        {
            "actor": "user",
            "subject": "user",
            "outcome": O.FAILURE,
            "factor_type": "totp",
            "detail": "code already used; account locked",
        },
        {"actor": "user", "subject": "user", "outcome": O.LOCKED, "factor_type": "recovery_codes"},
        {"outcome": O.FAILURE, "factor_type": "webauthn", "ip": "192.0.2.7"},
    ],
    A.MFA_REAUTHENTICATION: [{"actor": "user", "subject": "user", "outcome": O.FAILURE, "factor_type": "webauthn"}],
    A.MFA_ENROLMENT: [{"actor": "user", "subject": "user", "outcome": O.FAILURE, "factor_type": "totp"}],
    A.MFA_VERIFIED: [
        {"actor": "user", "subject": "user", "factor_type": "totp"},
        {"actor": "user", "subject": "user", "factor_type": "webauthn"},
    ],
    A.MFA_FACTOR_ADDED: [{"actor": "user", "subject": "user", "factor_type": "totp"}],
    A.MFA_FACTOR_REMOVED: [{"actor": "user", "subject": "user", "factor_type": "recovery_codes"}],
    A.MFA_FACTOR_REPLACED: [{"actor": "user", "subject": "user", "factor_type": "totp"}],
    A.MFA_ENROLMENT_POSTPONED: [{"actor": "user", "subject": "user"}],
    A.MFA_LEVEL_CHANGED: [
        {"actor": "agent", "user_type": "practitioners", "old_value": "upon_request", "new_value": "mandatory"},
        {
            "actor": "agent",
            "user_type": "clients",
            "old_value": "suggested",
            "new_value": "mandatory",
            "detail": "mandatory from 2027-01-15",
        },
        {
            "actor": "agent",
            "user_type": "clients",
            "old_value": "mandatory",
            "new_value": "mandatory",
            "detail": "mandatory from 2027-02-01 (was mandatory from 2027-01-15)",
        },
    ],
    A.MFA_USER_ACTIVATED: [{"actor": "agent", "subject": "user", "old_value": "Suggested", "new_value": "Forced"}],
    A.MFA_USER_DEACTIVATED: [
        {
            "actor": "agent",
            "subject": "user",
            "old_value": "Forced",
            "new_value": "Not offered",
            "detail": "individual activation undone; configured factors kept",
        }
    ],
    A.MFA_RESET: [
        {
            "actor": "agent",
            "subject": "user",
            "detail": "Phone lost, ticket 4521",
            "new_value": "2 factor(s) removed; sessions, tokens and trusted browsers ended; "
            "1 lost-device request(s) closed; set-up link sent",
        }
    ],
    A.MFA_KEYS_ROTATED: [{"detail": "12 TOTP secret(s) re-encrypted"}],
    A.MFA_OPTIONS_CHANGED: [
        {
            "actor": "agent",
            "user_type": "practitioners",
            "detail": "trust_browser_days",
            "old_value": "0",
            "new_value": "30",
        },
        {
            "actor": "agent",
            "user_type": "practitioners",
            "detail": "allowed_methods",
            "old_value": "totp,webauthn",
            "new_value": "webauthn",
        },
        {
            "actor": "agent",
            "user_type": "client_employees",
            "detail": "passwordless_passkeys",
            "old_value": "false",
            "new_value": "true",
        },
        {
            "actor": "agent",
            "user_type": "clients",
            "detail": "email_code_before_enrolment",
            "old_value": "true",
            "new_value": "false",
        },
    ],
    A.MFA_REMINDER_SENT: [
        {
            "subject": "user",
            "user_type": "practitioners",
            "new_value": "2027-01-15",
            "detail": "7 days before Mandatory",
        }
    ],
    A.MFA_RECOVERY_CODES_GENERATED: [
        {
            "actor": "user",
            "subject": "user",
            "factor_type": "recovery_codes",
            "detail": "10 codes, with the first factor",
        },
        {
            "actor": "user",
            "subject": "user",
            "factor_type": "recovery_codes",
            "detail": "10 new codes; the previous set no longer works",
        },
    ],
    A.MFA_RECOVERY_CODE_USED: [
        {"actor": "user", "subject": "user", "factor_type": "recovery_codes", "detail": "9 left"}
    ],
    A.MFA_BROWSER_TRUSTED: [
        {"actor": "user", "subject": "user", "detail": "Firefox on Windows for 30 day(s)"},
        {
            "actor": "user",
            "subject": "user",
            "factor_type": "trusted_browser",
            "detail": "used at sign-in instead of a second factor: Safari on macOS",
        },
    ],
    A.MFA_TRUSTED_BROWSER_REVOKED: [
        {"actor": "user", "subject": "user", "detail": "Unknown browser"},
        {"actor": "user", "subject": "user", "detail": "all (3)"},
    ],
    A.MFA_LOST_DEVICE_REPORTED: [{"actor": "user", "subject": "user"}],
    A.MFA_SETUP_LINK_SENT: [{"actor": "agent", "subject": "user", "detail": "72 h"}],
    A.MFA_MAILBOX_PROVEN: [
        {"actor": "user", "subject": "user", "detail": "set-up link"},
        {"actor": "user", "subject": "user", "detail": "code sent by email"},
    ],
    A.MFA_UNCOVERED_EXPORTED: [
        {
            "actor": "agent",
            "user_type": "practitioners",
            "detail": "CSV export (user_type=practitioners, status=forced)",
        },
        {"actor": "agent", "detail": "CSV export (no filter)"},
    ],
    A.AUDIT_EXPORTED: [
        {"actor": "agent", "detail": "CSV export (action=group:policy, person=dupont, from=2026-11-01, to=2026-11-30)"}
    ],
    A.USER_ENABLED: [{"actor": "agent", "subject": "user", "old_value": "False", "new_value": "True"}],
    A.USER_DISABLED: [{"actor": "agent", "subject": "user", "old_value": "True", "new_value": "False"}],
    A.EMAIL_CHANGED: [
        {"actor": "agent", "subject": "user", "old_value": "jean@old.test", "new_value": "jean@new.test"}
    ],
    A.PASSWORD_RESET_REQUESTED: [{"subject": "user", "ip": "192.0.2.7"}],
    A.PASSWORD_CHANGED: [
        {"actor": "user", "subject": "user"},
        {"subject": "user", "detail": "on the command line (manage.py changepassword)"},
    ],
    A.PASSWORD_SET: [{"actor": "user", "subject": "user"}],
    A.PASSWORD_RESET: [{"subject": "user", "ip": "192.0.2.7"}],
    A.SSO_CONNECTED: [{"actor": "agent", "user_type": "practitioners", "new_value": "https://idp.example.test"}],
    A.SSO_UPDATED: [{"actor": "agent", "user_type": "practitioners", "new_value": "https://idp.example.test"}],
    A.SSO_SECRET_REPLACED: [{"actor": "agent", "user_type": "practitioners"}],
    A.SSO_ENABLED: [
        {
            "actor": "agent",
            "user_type": "practitioners",
            "new_value": "https://idp.example.test",
            "detail": "4 users' sessions and tokens ended",
        }
    ],
    A.SSO_DISABLED: [
        {
            "actor": "agent",
            "user_type": "practitioners",
            "old_value": "https://idp.example.test",
            "detail": "4 users' sessions ended; 2 asked to set a password",
        }
    ],
    A.SSO_TESTED: [
        {"actor": "agent", "user_type": "practitioners"},
        {"actor": "agent", "user_type": "practitioners", "outcome": O.FAILURE, "detail": "timeout"},
        {"user_type": "practitioners", "outcome": O.FAILURE, "detail": "no_jwks"},
    ],
    A.SSO_SIGN_IN: [
        {"actor": "user", "subject": "user", "detail": "amr pwd mfa; MFA at the provider"},
        {"actor": "user", "subject": "user", "detail": "amr -; no MFA at the provider"},
        {
            "user_type": "practitioners",
            "outcome": O.REFUSED,
            "detail": "unknown_user",
            "new_value": "new@example.test",
            "ip": "192.0.2.7",
        },
        {"user_type": "practitioners", "outcome": O.FAILURE, "detail": "unreachable", "ip": "192.0.2.7"},
        {"outcome": O.REFUSED, "detail": "upstream_error:access_denied", "ip": "192.0.2.7"},
    ],
    A.SSO_LINKED: [{"actor": "user", "subject": "user", "new_value": "https://idp.example.test"}],
    A.SSO_USER_CREATED: [{"actor": "user", "subject": "user", "new_value": "https://idp.example.test"}],
    A.APPLICATION_REGISTERED: [{"actor": "agent", "detail": "Documents", "new_value": "client-123"}],
    A.APPLICATION_UPDATED: [{"actor": "agent", "detail": "Documents", "new_value": "client-123"}],
    A.APPLICATION_SECRET_REGENERATED: [{"actor": "agent", "detail": "Documents", "new_value": "client-123"}],
    A.APPLICATION_DELETED: [{"actor": "agent", "detail": "Documents", "old_value": "client-123"}],
}


def named(user, full_name: str):
    type(user).objects.filter(pk=user.pk).update(full_name=full_name)
    user.refresh_from_db()
    return user


@pytest.fixture
def marie(make_agent):
    return named(make_agent(2, email="marie.dupont@firmid.test"), "Marie Dupont")


@pytest.fixture
def jean(make_user):
    return named(make_user(email="jean.martin@example.test"), "Jean Martin")


@pytest.fixture
def people(marie, jean) -> dict:
    return {"agent": marie, "user": jean}


def event_of(action: AuditAction, sample: dict, people: dict) -> AuditEvent:
    actor = people.get(sample.get("actor"))
    subject = people.get(sample.get("subject"))
    fields = {k: v for k, v in sample.items() if k not in {"actor", "subject", "ip"}}
    return AuditEvent(
        at=datetime(2026, 12, 2, 14, 5, tzinfo=UTC),
        action=action,
        actor=actor,
        actor_email=actor.email if actor else "",
        subject=subject,
        subject_email=subject.email if subject else "",
        ip_address=sample.get("ip"),
        **fields,
    )


def both(event: AuditEvent) -> tuple[str, str]:
    with translation.override("en"):
        english = sentence(event)
    with translation.override("fr"):
        french = sentence(event)
    return english, french


def test_every_action_has_a_sample_a_sentence_a_label_and_one_group() -> None:
    assert set(SAMPLES) == set(AuditAction)
    assert all(knows(action) for action in AuditAction)
    assert set(ACTION_LABELS) == set(AuditAction)
    grouped = [action for _key, _name, actions in ACTION_GROUPS for action in actions]
    assert sorted(grouped) == sorted(AuditAction)
    # The English labels are the actions' own (the API's and the logs' contract).
    assert all(str(ACTION_LABELS[action]) == action.label for action in AuditAction)
    assert set(OUTCOME_LABELS) == set(AuditOutcome)


@pytest.mark.parametrize(
    ("action", "sample"),
    [(action, sample) for action, samples in SAMPLES.items() for sample in samples],
    ids=lambda value: value.value if isinstance(value, AuditAction) else "",
)
def test_every_action_reads_as_a_sentence_in_english_and_french(people, action, sample) -> None:
    english, french = both(event_of(action, sample, people))
    for text in (english, french):
        assert text and action.value not in text, text
        assert "%(" not in text and "event “" not in text and "événement «" not in text, text
        # Recorded details are read, not quoted back: no raw code or English detail left.
        for raw in ("upon_request", "practitioners", "trust_browser_days", "day(s)", "factor(s)", "_"):
            assert raw not in text.replace("client-123", "").replace("access_denied", ""), (raw, text)
    assert english != french
    with translation.override("fr"):
        assert str(OUTCOME_LABELS[AuditOutcome(event_of(action, sample, people).outcome)]) != (
            AuditOutcome(event_of(action, sample, people).outcome).label
        )


def test_an_action_firmid_no_longer_knows_is_still_shown_with_its_code(people) -> None:
    event = AuditEvent(action="retired_action", actor=people["agent"], at=datetime(2026, 1, 1, tzinfo=UTC))
    english, french = both(event)
    assert english == "Marie Dupont (support level 2): event “retired_action”"
    assert french == "Marie Dupont (support de niveau 2) : événement « retired_action »"


@pytest.mark.parametrize(
    ("sample", "english", "french"),
    [
        (
            {"outcome": O.FAILURE, "detail": "as jean@example.test", "ip": "192.0.2.7"},
            "A sign-in as jean@example.test failed: wrong password or unknown address",
            "Échec d'une connexion en tant que jean@example.test : mot de passe erroné ou adresse inconnue",
        ),
        (
            {
                "actor": "user",
                "subject": "user",
                "outcome": O.FAILURE,
                "factor_type": "totp",
                "detail": "code already used; account locked",
            },
            "Jean Martin failed the second-factor check at sign-in, with a code from the authenticator app; "
            "the code had already been used; the account is now locked after too many failures",
            "Jean Martin a échoué à la vérification du second facteur à la connexion, avec un code de "
            "l'application d'authentification ; le code avait déjà été utilisé ; le compte est maintenant "
            "verrouillé après trop d'échecs",
        ),
        (
            {"actor": "user", "subject": "user", "detail": "Firefox on Windows for 30 day(s)"},
            "Jean Martin trusted a browser (Firefox on Windows) for 30 days",
            "Jean Martin a fait confiance à un navigateur (Firefox sous Windows) pour 30 jours",
        ),
        (
            {"subject": "user", "user_type": "practitioners", "new_value": "2027-01-15", "detail": "1 day before"},
            "The system emailed Jean Martin a reminder: MFA is mandatory from 15 January 2027, in 1 day",
            "Le système a envoyé un rappel par e-mail à Jean Martin : la MFA est obligatoire à partir du "
            "15 janvier 2027, dans 1 jour",
        ),
        (
            {"subject": "user", "detail": "on the command line (manage.py changepassword)"},
            "The password of Jean Martin was changed on the command line",
            "Le mot de passe de Jean Martin a été changé en ligne de commande",
        ),
        (
            {"user_type": "", "outcome": O.REFUSED, "detail": "state", "ip": "192.0.2.7"},
            "A sign-in through an identity provider was refused: the sign-in link had expired or was already used",
            "Une connexion par un fournisseur d'identité a été refusée : le lien de connexion avait expiré ou "
            "avait déjà été utilisé",
        ),
    ],
)
def test_sentences_read_the_details_the_services_write(people, sample, english, french) -> None:
    action = {
        "as jean@example.test": A.SIGN_IN_PASSWORD,
        "code already used; account locked": A.MFA_SIGN_IN,
        "Firefox on Windows for 30 day(s)": A.MFA_BROWSER_TRUSTED,
        "1 day before": A.MFA_REMINDER_SENT,
        "on the command line (manage.py changepassword)": A.PASSWORD_CHANGED,
        "state": A.SSO_SIGN_IN,
    }[sample["detail"]]
    assert both(event_of(action, sample, people)) == (english, french)


def test_who_acted_when_no_one_is_named(people) -> None:
    """No actor: "Someone" behind a client address (a request), "The system" without (CLI, cron)."""
    deleted = AuditEvent(action=A.MFA_ENROLMENT_POSTPONED, actor_email="gone@example.test", at=datetime.now(UTC))
    someone = AuditEvent(action=A.SSO_SECRET_REPLACED, user_type="clients", ip_address="192.0.2.1", at=deleted.at)
    system = AuditEvent(action=A.SSO_SECRET_REPLACED, user_type="clients", at=deleted.at)
    assert both(deleted)[0] == "gone@example.test chose Activate later instead of setting MFA up"
    assert both(someone)[0].startswith("Someone replaced") and both(someone)[1].startswith("Quelqu'un a remplacé")
    assert both(system)[0].startswith("The system replaced") and both(system)[1].startswith("Le système a remplacé")


# --- rows as the services write them ----------------------------------------------------------------


def newest() -> AuditEvent:
    return AuditEvent.objects.select_related("actor", "subject").order_by("-id").first()


def test_the_issue_s_example_in_both_languages(marie, make_user) -> None:
    firm = make_user().firm
    firm_save_mfa_settings(
        actor=marie, firm=firm, settings={UserType.PRACTITIONERS: TypeSettingsInput(level=MfaLevel.MANDATORY)}
    )
    assert both(newest()) == (
        "Marie Dupont (support level 2) changed Practitioners from Upon request to Mandatory",
        "Marie Dupont (support de niveau 2) a fait passer les Collaborateurs de À la demande à Obligatoire",
    )


def test_a_level_change_with_its_rollout_date_then_a_new_date(marie, make_user) -> None:
    firm = make_user().firm
    first = datetime(2027, 1, 15, tzinfo=UTC)
    second = datetime(2027, 2, 1, tzinfo=UTC)
    for day in (first, second):
        firm_save_mfa_settings(
            actor=marie,
            firm=firm,
            settings={UserType.CLIENTS: TypeSettingsInput(level=MfaLevel.MANDATORY, mandatory_from=day)},
        )
        english, french = both(newest())
        if day == first:
            assert english.endswith(
                "changed Administrator clients and standard clients from Upon request to Mandatory from 15 January 2027"
            )
            assert french.endswith("à Obligatoire à partir du 15 janvier 2027")
    assert english == (
        "Marie Dupont (support level 2) moved the day MFA becomes mandatory for Administrator clients and "
        "standard clients from 15 January 2027 to 1 February 2027"
    )
    assert "du 15 janvier 2027 au 1 février 2027" in french


def test_an_option_change_reads_as_words(marie, make_user) -> None:
    firm = make_user().firm
    firm_save_mfa_settings(
        actor=marie, firm=firm, settings={UserType.PRACTITIONERS: TypeSettingsInput(level=None, trust_browser_days=30)}
    )
    event = newest()
    assert (event.detail, event.old_value, event.new_value) == ("trust_browser_days", "0", "30")
    english, french = both(event)
    assert english == "Marie Dupont (support level 2) now offers Trust this browser to Practitioners, for 30 days"
    assert french.startswith("Marie Dupont (support de niveau 2) propose désormais « Faire confiance à ce navigateur »")
    assert french.endswith(", pour 30 jours")


def test_a_reset_reads_with_its_reason_and_what_it_ended(marie, jean) -> None:
    give_factor(jean)
    user_reset_mfa(actor=marie, user=jean, reason="Phone lost (ticket 4521)")
    english, french = both(newest())
    assert english == (
        "Marie Dupont (support level 2) reset the MFA of Jean Martin; reason: “Phone lost (ticket 4521)”; "
        "1 factor removed; sessions, tokens and trusted browsers ended"
    )
    assert french == (
        "Marie Dupont (support de niveau 2) a réinitialisé la MFA de Jean Martin ; motif : « Phone lost "
        "(ticket 4521) » ; 1 facteur supprimé ; sessions, jetons et navigateurs de confiance fermés"
    )


def test_a_failed_password_reads_with_the_address_typed(client: Client, jean) -> None:
    client.post("/accounts/login/", {"login": "jean.martin@example.test", "password": "wrong"})
    event = newest()
    assert (event.action, event.outcome) == (A.SIGN_IN_PASSWORD, O.FAILURE)
    assert both(event)[0] == "A sign-in as jean.martin@example.test failed: wrong password or unknown address"


def test_an_export_of_users_without_mfa_says_its_filters(marie, make_user) -> None:
    firm = make_user().firm
    query = parse_uncovered_query(user_type="practitioners", status="forced")
    uncovered_export_record(actor=marie, firm=firm, query=query, request=None)
    english, french = both(newest())
    assert english == (
        "Marie Dupont (support level 2) exported the users without MFA as CSV "
        "(user type: Practitioners, status: Forced)"
    )
    assert french.startswith("Marie Dupont (support de niveau 2) a exporté en CSV les utilisateurs sans MFA (")


def test_a_written_row_reads_as_a_sentence(people) -> None:
    audit_record(action=A.MFA_LOST_DEVICE_REPORTED, actor=people["user"], subject=people["user"])
    assert both(newest()) == (
        "Jean Martin told support they can no longer use their second factor (lost device)",
        "Jean Martin a signalé au support ne plus pouvoir utiliser son second facteur (appareil perdu)",
    )
