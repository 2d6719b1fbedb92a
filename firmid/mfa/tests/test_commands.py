"""The MFA commands: thin wrappers over the same services, refusing with the services' messages."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from firmid.accounts.models import User
from firmid.audit.models import AuditEvent
from firmid.core import crypto
from firmid.core.seams.allauth import TOTP, generate_totp_secret
from firmid.mfa.models import FirmMfaLevel
from firmid.sso.models import SsoConnection
from firmid.sso.services import connection_secret, sso_secret_replace
from firmid.tenancy.models import Firm

pytestmark = pytest.mark.usefixtures("demo")

L2 = "support.l2@firmid.test"


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def run_set_mfa_level(
    *,
    firm: str = "Demo Accounting",
    user_type: str = "practitioners",
    level: str = "mandatory",
    actor: str = L2,
    confirm: bool = False,
) -> str:
    args = ["--firm", firm, "--user-type", user_type, "--level", level, "--actor", actor]
    return run("set_mfa_level", *args, *(["--confirm"] if confirm else []))


def state() -> tuple:
    return sorted(FirmMfaLevel.objects.values_list("firm_id", "user_type", "level")), AuditEvent.objects.count()


def test_set_mfa_level_saves_and_audits() -> None:
    out = run_set_mfa_level()
    assert "Demo Accounting: Practitioners: Upon request → Mandatory" in out
    firm = Firm.objects.get(name="Demo Accounting")
    assert FirmMfaLevel.objects.get(firm=firm, user_type="practitioners").level == "mandatory"
    event = AuditEvent.objects.get(action="mfa_level_changed")
    assert (event.actor_email, event.old_value, event.new_value) == (L2, "upon_request", "mandatory")


def test_set_mfa_level_finds_the_firm_by_id() -> None:
    firm = Firm.objects.get(name="Demo Accounting")
    run_set_mfa_level(firm=str(firm.pk), user_type="clients", level="suggested")
    assert FirmMfaLevel.objects.get(firm=firm, user_type="clients").level == "suggested"


def test_setting_the_current_level_again_says_nothing_changed() -> None:
    run_set_mfa_level()
    before = state()
    assert "nothing changed" in run_set_mfa_level()
    assert state() == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"firm": "No Such Firm"}, "No accounting firm is named 'No Such Firm'."),
        ({"firm": "987654"}, "No accounting firm has this id."),
        ({"user_type": "partners"}, "Unknown user type 'partners'"),
        ({"level": "maximum"}, "Unknown MFA level 'maximum'"),
        ({"firm": "Northwind Partners"}, "sign in through the firm's SSO connection"),
        ({"actor": "support.l1@firmid.test"}, "Only level 2 and 3 support agents can change MFA settings."),
        ({"actor": "alice@demo-accounting.test"}, "Only level 2 and 3 support agents"),
        ({"actor": "nobody@firmid.test"}, "No account has the email address"),
    ],
)
def test_refusals_are_command_errors_and_change_nothing(options: dict[str, str], message: str) -> None:
    before = state()
    with pytest.raises(CommandError, match=re.escape(message)) as refused:
        run_set_mfa_level(**options)
    assert refused.value.returncode == 1  # what manage.py exits with
    assert state() == before


def test_lowering_to_upon_request_needs_confirm() -> None:
    run_set_mfa_level(level="mandatory")
    before = state()
    with pytest.raises(CommandError, match="must be confirmed. Run the command again with --confirm."):
        run_set_mfa_level(level="upon_request")
    assert state() == before
    assert "Mandatory → Upon request" in run_set_mfa_level(level="upon_request", confirm=True)


def test_show_mfa_levels_shows_levels_and_sso() -> None:
    run_set_mfa_level(firm="Northwind Partners", user_type="clients", level="suggested")
    out = run("show_mfa_levels", "--firm", "Northwind Partners")
    lines = out.splitlines()
    assert lines[0].startswith("Northwind Partners (id ")
    assert lines[1].split() == ["practitioners", "Managed", "by", "SSO"]
    assert lines[2].split() == ["clients", "Suggested"]
    assert lines[3].split() == ["client_employees", "Upon", "request"]


def test_show_mfa_levels_of_an_unknown_firm_is_an_error() -> None:
    with pytest.raises(CommandError, match="No accounting firm"):
        run("show_mfa_levels", "--firm", "Nowhere")


OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def stored_secret(user: User) -> str:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]


def test_rotate_mfa_keys_reencrypts_every_secret_under_the_newest_key() -> None:
    users = list(User.objects.filter(email__in=["alice@demo-accounting.test", "bob@client-one.test"]))
    with override_settings(FIRMID_ENCRYPTION_KEYS=[OLD_KEY]):
        secrets = {user.pk: generate_totp_secret() for user in users}
        for user in users:
            TOTP.activate(user, secrets[user.pk])
        northwind = SsoConnection.objects.get(firm__name="Northwind Partners")  # the demo's, its secret too
        sso_secret_replace(connection=northwind, secret="upstream-secret", actor=None)
    with override_settings(FIRMID_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        output = run("rotate_mfa_keys")
        assert "2 TOTP secrets re-encrypted" in output and "1 SSO client secret re-encrypted" in output
    with override_settings(FIRMID_ENCRYPTION_KEYS=[NEW_KEY]):
        assert {user.pk: crypto.decrypt(stored_secret(user)) for user in users} == secrets
        assert connection_secret(SsoConnection.objects.get(pk=northwind.pk)) == "upstream-secret"
    with override_settings(FIRMID_ENCRYPTION_KEYS=[OLD_KEY]), pytest.raises(InvalidToken):
        crypto.decrypt(stored_secret(users[0]))
    assert AuditEvent.objects.filter(action="mfa_keys_rotated").count() == 1


def test_rotate_mfa_keys_changes_nothing_if_one_secret_cannot_be_decrypted() -> None:
    alice, bob = User.objects.filter(email__in=["alice@demo-accounting.test", "bob@client-one.test"])
    with override_settings(FIRMID_ENCRYPTION_KEYS=[OLD_KEY]):
        TOTP.activate(alice, generate_totp_secret())
    with override_settings(FIRMID_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        TOTP.activate(bob, generate_totp_secret())  # under a key that is no longer configured
    before = {user.pk: stored_secret(user) for user in (alice, bob)}
    with override_settings(FIRMID_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        with pytest.raises(CommandError, match="cannot be decrypted"):
            run("rotate_mfa_keys")
    assert {user.pk: stored_secret(user) for user in (alice, bob)} == before
