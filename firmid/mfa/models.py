from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from firmid.policy import MfaLevel
from firmid.tenancy.models import USER_TYPE_CHOICES, Firm

MFA_LEVEL_CHOICES = [(level.value, level.label) for level in MfaLevel]


class FirmMfaLevel(models.Model):
    """A firm's MFA level for one user type; no row means Upon request.

    Every user of the type reads this one row at each sign-in, so a change is a single
    row write that applies to all of them at once.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="mfa_levels")
    user_type = models.CharField(max_length=32, choices=USER_TYPE_CHOICES)
    level = models.CharField(max_length=32, choices=MFA_LEVEL_CHOICES, default=MfaLevel.UPON_REQUEST.value)
    # Mandatory from this moment: until then set-up is offered with Activate later (a rollout).
    # Only ever set with the Mandatory level; None means the level applies at once.
    mandatory_from = models.DateTimeField(null=True, blank=True)
    # The factor kinds the type may use, comma-separated ("webauthn": passkeys only); "" is every kind.
    allowed_methods = models.CharField(max_length=64, blank=True, default="")
    # A passkey with user verification may sign the type in without a password (counts as MFA).
    passwordless_passkeys = models.BooleanField(default=False)
    # Days a browser may be trusted after a second factor; 0 never offers it.
    trust_browser_days = models.PositiveSmallIntegerField(default=0)
    # A code sent to the user's address must be typed before any first set-up (enrolment takeover).
    email_code_before_enrolment = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "user_type"], name="firm_mfa_level_unique"),
            models.CheckConstraint(
                name="firm_mfa_level_valid", condition=models.Q(level__in=[v for v, _ in MFA_LEVEL_CHOICES])
            ),
            models.CheckConstraint(
                name="firm_mfa_level_date_only_when_mandatory",
                condition=models.Q(mandatory_from__isnull=True) | models.Q(level=MfaLevel.MANDATORY.value),
            ),
            models.CheckConstraint(name="firm_mfa_level_trust_days", condition=models.Q(trust_browser_days__lte=365)),
        ]

    def __str__(self) -> str:
        return f"{self.user_type} of firm {self.firm_id}: {self.level}"


class MfaGuard(models.Model):
    """Per-user state shared by every worker: the last TOTP step used and the failure counter.

    Each field is only ever changed by a conditional UPDATE, so concurrent requests on
    several workers cannot both succeed where one must fail.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="mfa_guard"
    )
    last_totp_step = models.BigIntegerField(default=-1)
    # Attempts taken since the last lock (a slot is taken before a code is checked).
    failures = models.PositiveIntegerField(default=0)
    # Failures since the last success, across locks: the hard limit applies to it.
    consecutive_failures = models.PositiveIntegerField(default=0)
    lock_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"MFA guard of user {self.user_id}"


class TrustedBrowser(models.Model):
    """A browser whose user chose not to be asked for a second factor on it for some days.

    The browser holds a random token in a cookie; only its SHA-256 is stored. Any reset,
    password change or factor change deletes the user's rows.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_browsers")
    token_hash = models.CharField(max_length=64, unique=True)
    # What My account shows to tell browsers apart ("Chrome on Windows").
    label = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Trusted browser {self.pk} of user {self.user_id}"


class EnrolmentReminder(models.Model):
    """A reminder emailed before a Mandatory date: at most one per user, deadline and lead time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_reminders")
    deadline = models.DateTimeField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "deadline", "days_before"], name="mfa_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.days_before} day(s) before {self.deadline:%Y-%m-%d} to user {self.user_id}"


class LostDeviceRequest(models.Model):
    """A user who cannot use their factor asked support for help, from the code page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lost_device_requests")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Closed when support resets the user's MFA (or dismisses the request).
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Lost device request {self.pk} of user {self.user_id}"


class MailboxProof(models.Model):
    """A single-use secret sent to a user's address: proves the mailbox before a set-up.

    A set-up link (sent by support with a reset) or a short code (a firm that requires one
    before any first set-up). Only the secret's SHA-256 is stored.
    """

    class Kind(models.TextChoices):
        SETUP_LINK = "setup_link", _("Set-up link")
        EMAIL_CODE = "email_code", _("Code sent by email")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailbox_proofs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["user", "kind"], name="mailbox_proof_user_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} of user {self.user_id}"
