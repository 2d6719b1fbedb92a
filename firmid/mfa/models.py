from __future__ import annotations

from django.conf import settings
from django.db import models

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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "user_type"], name="firm_mfa_level_unique"),
            models.CheckConstraint(
                name="firm_mfa_level_valid", condition=models.Q(level__in=[v for v, _ in MFA_LEVEL_CHOICES])
            ),
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
