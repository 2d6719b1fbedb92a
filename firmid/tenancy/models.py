from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from firmid.policy import UserType
from firmid.tenancy.labels import LABELS

# Lazy labels: a form or an admin page shows them in the reader's language (English equals
# the policy's labels, so the migrations see no change).
USER_TYPE_CHOICES = [(t.value, LABELS[t]) for t in UserType]


class Firm(models.Model):
    """An accounting firm: the tenant every user belongs to."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClientCompany(models.Model):
    """A client company of a firm; its administrators, clients and employees belong to it."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="client_companies")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["firm", "name"], name="client_company_unique_name")]
        verbose_name_plural = _("client companies")

    def __str__(self) -> str:
        return self.name
