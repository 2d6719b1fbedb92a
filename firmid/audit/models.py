from __future__ import annotations

from django.conf import settings
from django.db import models

from firmid.audit.actions import AuditAction, AuditOutcome
from firmid.tenancy.models import Firm


class AppendOnlyError(Exception):
    """Audit events are written once and never changed or removed."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003, ANN201
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):  # noqa: ANN201
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what, to whom, when, with what outcome. Never holds a secret or a code."""

    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=64, db_index=True, choices=AuditAction.choices)
    outcome = models.CharField(max_length=16, default=AuditOutcome.SUCCESS, choices=AuditOutcome.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    firm = models.ForeignKey(Firm, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_email = models.CharField(max_length=254, blank=True)
    user_type = models.CharField(max_length=32, blank=True)
    # Wide enough for an email address (address changes keep the old and the new one).
    old_value = models.CharField(max_length=254, blank=True)
    new_value = models.CharField(max_length=254, blank=True)
    factor_type = models.CharField(max_length=32, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=255, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["firm", "-at"], name="audit_firm_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise AppendOnlyError("Audit events cannot be deleted.")
