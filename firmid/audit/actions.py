"""What an audit event records, as typed values: its action, its outcome, the reasons behind it.

The values are stored in AuditEvent rows and sent to the logs: never rename one.
"""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    """What happened."""

    # Sign-in (firmid/audit/receivers.py, firmid/signin/stages.py).
    SIGN_IN = "sign_in", "Signed in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_IN_PASSWORD = "sign_in_password", "Password checked at sign-in"
    # Second factor: a code checked, by what asked for it (firmid/mfa verification).
    MFA_SIGN_IN = "mfa_sign_in", "Code checked at sign-in"
    MFA_REAUTHENTICATION = "mfa_reauthentication", "Code checked to confirm a sensitive action"
    MFA_ENROLMENT = "mfa_enrolment", "Code checked while setting MFA up"
    MFA_VERIFIED = "mfa_verified", "Second factor used"
    # A user's factors.
    MFA_FACTOR_ADDED = "mfa_factor_added", "Factor set up"
    MFA_FACTOR_REMOVED = "mfa_factor_removed", "Factor removed"
    MFA_FACTOR_REPLACED = "mfa_factor_replaced", "Authenticator app replaced by a new one"
    MFA_ENROLMENT_POSTPONED = "mfa_enrolment_postponed", "MFA set-up postponed (Activate later)"
    # MFA policy, changed by support.
    MFA_LEVEL_CHANGED = "mfa_level_changed", "Firm's MFA level changed"
    MFA_USER_ACTIVATED = "mfa_user_activated", "MFA activated for a user"
    MFA_USER_DEACTIVATED = "mfa_user_deactivated", "MFA's individual activation undone"
    MFA_RESET = "mfa_reset", "User's MFA reset"
    MFA_KEYS_ROTATED = "mfa_keys_rotated", "TOTP secrets re-encrypted under the newest key"
    MFA_OPTIONS_CHANGED = "mfa_options_changed", "Firm's MFA options changed (methods, trusted browsers, email code)"
    MFA_REMINDER_SENT = "mfa_reminder_sent", "MFA set-up reminder emailed"
    # Recovery codes, trusted browsers, lost devices.
    MFA_RECOVERY_CODES_GENERATED = "mfa_recovery_codes_generated", "Recovery codes generated"
    MFA_RECOVERY_CODE_USED = "mfa_recovery_code_used", "Recovery code used"
    MFA_BROWSER_TRUSTED = "mfa_browser_trusted", "Browser trusted"
    MFA_TRUSTED_BROWSER_REVOKED = "mfa_trusted_browser_revoked", "Trusted browser revoked"
    MFA_LOST_DEVICE_REPORTED = "mfa_lost_device_reported", "Lost authenticator reported to support"
    MFA_SETUP_LINK_SENT = "mfa_setup_link_sent", "Set-up link sent"
    MFA_MAILBOX_PROVEN = "mfa_mailbox_proven", "Address proven before set-up"
    MFA_UNCOVERED_EXPORTED = "mfa_uncovered_exported", "Users without MFA exported"
    # The Administration application's audit trail, as CSV (firmid/audit/trail.py).
    AUDIT_EXPORTED = "audit_exported", "Audit trail exported"
    # Accounts.
    USER_ENABLED = "user_enabled", "User enabled"
    USER_DISABLED = "user_disabled", "User disabled"
    EMAIL_CHANGED = "email_changed", "Address changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset link requested"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_SET = "password_set", "Password set"
    PASSWORD_RESET = "password_reset", "Password reset by emailed link"
    # Firms' SSO connections.
    SSO_CONNECTED = "sso_connected", "SSO connection added"
    SSO_UPDATED = "sso_updated", "SSO connection changed"
    SSO_SECRET_REPLACED = "sso_secret_replaced", "SSO connection's client secret replaced"
    SSO_ENABLED = "sso_enabled", "SSO connection enabled"
    SSO_DISABLED = "sso_disabled", "SSO connection disabled"
    SSO_TESTED = "sso_tested", "SSO connection tested"
    # Sign-in through a firm's identity provider (firmid/signin/federation.py).
    SSO_SIGN_IN = "sso_sign_in", "Signed in through the firm's identity provider"
    SSO_LINKED = "sso_linked", "Account linked to the firm's identity provider"
    SSO_USER_CREATED = "sso_user_created", "User created at the first sign-in through SSO"
    # OpenID Connect applications.
    APPLICATION_REGISTERED = "application_registered", "Application registered"
    APPLICATION_UPDATED = "application_updated", "Application changed"
    APPLICATION_SECRET_REGENERATED = "application_secret_regenerated", "Application secret regenerated"
    APPLICATION_DELETED = "application_deleted", "Application deleted"


class AuditOutcome(models.TextChoices):
    """How it ended."""

    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    REFUSED = "refused", "Refused"
    LOCKED = "locked", "Locked"


class AuditReason(models.TextChoices):
    """Why an event ended as it did, where listeners need to know: its label is written to the detail."""

    CODE_REPLAYED = "code_replayed", "code already used"
    ACCOUNT_LOCKED = "account_locked", "account locked"
