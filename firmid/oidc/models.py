from __future__ import annotations

from django.db import models
from oauth2_provider.models import AbstractGrant
from oauth2_provider.settings import oauth2_settings


class Grant(AbstractGrant):
    """DOT's authorization code, plus how the user authenticated and what the code issued.

    A code is marked consumed (never deleted) at its first exchange, so that a second
    exchange is recognised as a reuse and the tokens of the first one are revoked
    (RFC 6749 §4.1.2, RFC 9700 §4.5). The consumption, the tokens and their link here
    (issued_access_token_id, issued_token_family) commit in the exchange's one transaction:
    a consumed code always names what it issued, and a cut exchange leaves it unconsumed.
    """

    auth_time = models.DateTimeField(null=True, blank=True)
    amr = models.JSONField(default=list, blank=True)
    acr = models.CharField(max_length=64, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)
    issued_access_token_id = models.BigIntegerField(null=True, blank=True)
    issued_token_family = models.UUIDField(null=True, blank=True)

    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"


class ApplicationProfile(models.Model):
    """What firmid knows of a registered application beyond DOT's client record."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="firmid_profile"
    )
    home_url = models.URLField(max_length=500)
    # The user types that may sign in to this application; empty means all.
    user_types = models.JSONField(default=list, blank=True)
    allowed_scopes = models.JSONField(default=list, blank=True)
    # Require a second factor for this application, whatever the firm's level.
    require_mfa = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"profile of application {self.application_id}"
