from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from firmid.policy import UserType
from firmid.tenancy.models import USER_TYPE_CHOICES, ClientCompany, Firm

DEFAULT_SCOPES = "openid email profile"
# The PAPE multi-factor policy: the acr value most identity providers know for "MFA was done".
PAPE_MULTI_FACTOR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"


class SsoConnection(models.Model):
    """A firm signs one user type in through its own OpenID Connect provider, which owns MFA.

    Only an enabled connection takes the type out of firmid's MFA levels and sends its users
    to the firm's provider; a disabled one is kept, with its secret, until it is enabled.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="sso_connections")
    user_type = models.CharField(max_length=32, choices=USER_TYPE_CHOICES)
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    # Fernet-encrypted under FIRMID_ENCRYPTION_KEYS (firmid.core.crypto); never shown again.
    client_secret_encrypted = models.TextField(blank=True, default="")
    secret_changed_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=255, default=DEFAULT_SCOPES)
    # As the agent wrote them; SsoDomain holds the same, one row per domain, for the lookup.
    email_domains = models.JSONField(default=list, blank=True)
    # For a client type: the client company the users created at first sign-in belong to.
    client_company = models.ForeignKey(
        ClientCompany, null=True, blank=True, on_delete=models.PROTECT, related_name="sso_connections"
    )
    enabled = models.BooleanField(default=False)
    create_users = models.BooleanField(default=False)
    require_upstream_mfa = models.BooleanField(default=False)
    mfa_acr = models.CharField(max_length=255, blank=True, default=PAPE_MULTI_FACTOR)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["firm", "user_type"], name="sso_connection_unique")]

    def __str__(self) -> str:
        return f"{self.firm} / {self.user_type} → {self.issuer}"

    @property
    def type(self) -> UserType:
        return UserType(self.user_type)

    @property
    def has_secret(self) -> bool:
        return bool(self.client_secret_encrypted)


class SsoDomain(models.Model):
    """An email domain a connection serves: one connection per domain, across every firm (the database says so)."""

    domain = models.CharField(max_length=253, unique=True)
    connection = models.ForeignKey(SsoConnection, on_delete=models.CASCADE, related_name="domains")

    def __str__(self) -> str:
        return self.domain


class SsoIdentity(models.Model):
    """A firmid user linked to an upstream account: (issuer, sub) names exactly one user, for good."""

    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    connection = models.ForeignKey(SsoConnection, null=True, on_delete=models.SET_NULL, related_name="identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique_subject"),
            # One upstream account per user and issuer: a second sub never takes over the user.
            models.UniqueConstraint(fields=["issuer", "user"], name="sso_identity_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} / {self.subject} → user {self.user_id}"
