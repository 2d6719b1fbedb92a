from __future__ import annotations

from django.db import models

from firmid.tenancy.models import USER_TYPE_CHOICES, Firm


class SsoConnection(models.Model):
    """A firm signs one user type in through its own identity provider, which owns MFA."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="sso_connections")
    user_type = models.CharField(max_length=32, choices=USER_TYPE_CHOICES)
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["firm", "user_type"], name="sso_connection_unique")]

    def __str__(self) -> str:
        return f"{self.firm} / {self.user_type} → {self.issuer}"
