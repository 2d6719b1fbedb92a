from __future__ import annotations

from cryptography.fernet import Fernet
from django.core import checks
from django.core.checks import Error, Tags, register

from firmid.core.app_settings import core_settings


@register(Tags.security)
def check_encryption_keys(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    keys = core_settings.ENCRYPTION_KEYS
    if not keys:
        return [Error("FIRMID_ENCRYPTION_KEYS is empty: TOTP seeds cannot be encrypted.", id="firmid.E010")]
    try:
        [Fernet(key.encode()) for key in keys]
    except ValueError:
        return [
            Error(
                "FIRMID_ENCRYPTION_KEYS holds a key that is not a Fernet key.",
                hint="Make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
                id="firmid.E011",
            )
        ]
    return []


@register(Tags.security)
def check_webauthn_relying_party(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    from firmid.mfa.app_settings import mfa_settings
    from firmid.mfa.factors.webauthn.auth import rp_configuration_problem

    problem = rp_configuration_problem(rp_id=mfa_settings.WEBAUTHN_RP_ID, origins=mfa_settings.WEBAUTHN_ORIGINS)
    if problem is None:
        return []
    hint = "Set FIRMID_WEBAUTHN_RP_ID and FIRMID_WEBAUTHN_ORIGINS (by default the host and origin of FIRMID_ISSUER)."
    return [checks.Warning(f"Passkeys cannot work: {problem}", hint=hint, id="firmid.W040")]


# Said at start-up, in /readyz and by `manage.py check --database default`; names the
# setting, never a key.
WRONG_KEYS = (
    "FIRMID_ENCRYPTION_KEYS cannot decrypt the TOTP secrets stored in the database: every "
    "second-factor code would fail. Configure the key(s) these secrets were encrypted with "
    "(newest first; after a rotation keep the old key until `rotate_mfa_keys` has run)."
)


WRONG_SSO_KEYS = (
    "FIRMID_ENCRYPTION_KEYS cannot decrypt the SSO client secrets stored in the database: every "
    "sign-in through a firm's identity provider would fail. Configure the key(s) they were encrypted "
    "with (newest first; after a rotation keep the old key until `rotate_mfa_keys` has run)."
)


def stored_secrets_problem() -> str | None:
    """Say why the configured keys cannot decrypt the stored TOTP secrets, or None if they can.

    The oldest and the newest secret are the canaries: rotation re-encrypts all of them at
    once, so a key that decrypts both decrypts the rest. No secret yet: nothing to check.
    """
    from allauth.mfa.models import Authenticator
    from cryptography.fernet import InvalidToken

    from firmid.core import crypto
    from firmid.sso.models import SsoConnection

    totps = Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    for canary in {totps.order_by("pk").first(), totps.order_by("-pk").first()} - {None}:
        try:
            crypto.decrypt(canary.data["secret"])
        except (InvalidToken, KeyError, TypeError, ValueError):
            return WRONG_KEYS
    # The SSO client secrets are encrypted under the same keys and rotated with them.
    secrets = SsoConnection.objects.exclude(client_secret_encrypted="").values_list(
        "client_secret_encrypted", flat=True
    )
    for canary in {secrets.order_by("pk").first(), secrets.order_by("-pk").first()} - {None}:
        try:
            crypto.decrypt(canary)
        except (InvalidToken, TypeError, ValueError):
            return WRONG_SSO_KEYS
    return None


@register(Tags.database)
def check_keys_decrypt_stored_secrets(app_configs, databases=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
    if not databases or "default" not in databases or check_encryption_keys(app_configs):
        return []
    from django.db import DatabaseError

    try:
        problem = stored_secrets_problem()
    except DatabaseError:
        return []  # not migrated yet, or unreachable: nothing stored to check
    return [Error(problem, id="firmid.E012")] if problem else []


def verify_keys_at_start() -> None:
    """Refuse to start when the configured keys cannot decrypt the stored secrets.

    Called by config/wsgi.py once the application is loaded, so gunicorn's workers fail to
    boot with this message. A database that cannot be read now is left to /readyz: an
    outage at start must not keep the node from coming up when the database returns.
    """
    import logging

    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        problem = stored_secrets_problem()
    except DatabaseError:
        logging.getLogger("firmid.mfa").warning("encryption keys not checked at start: the database does not answer")
        return
    if problem:
        logging.getLogger("firmid.mfa").critical(problem)
        raise ImproperlyConfigured(problem)
