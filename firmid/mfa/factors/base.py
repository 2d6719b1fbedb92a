"""The interface every second factor implements: enrol, verify, describe, remove, and its amr value.

Sign-in, My account, the support Login tab and the OpenID Connect claims know factors only
through it (and `firmid.mfa.registry`), so a new factor is a new folder and one registry line.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from allauth.mfa.models import Authenticator
    from django.http import HttpRequest
    from django.urls import URLPattern

    from firmid.accounts.models import User
    from firmid.audit.actions import AuditAction
    from firmid.mfa.verification import Outcome


@dataclass(frozen=True)
class FactorSummary:
    """One factor a user set up, as My account and the support Login tab show it."""

    kind: str
    name: str
    added: datetime
    last_used: datetime | None
    kind_label: str = ""  # how pages name its kind, in the active language: "Authenticator app"


class Factor(ABC):
    """One kind of second factor, stored as allauth `Authenticator` rows of type `kind`."""

    kind: ClassVar[str]  # allauth's Authenticator.Type value
    amr: ClassVar[str]  # RFC 8176 value the ID token reports once it was used
    label: ClassVar[str]  # how a sentence names it (lazy): "authenticator app"
    kind_label: ClassVar[str]  # how a table or a title names it (lazy): "Authenticator app"
    add_label: ClassVar[str]  # how My account offers to set it up (lazy): "Add an authenticator app"
    # Whether a typed code answers it (the sign-in and re-authentication forms ask for one).
    takes_typed_code: ClassVar[bool] = True
    # Its replay state in the shared guard row (MfaGuard), as support's reset leaves it.
    guard_state_cleared: ClassVar[Mapping[str, object]] = {}
    # My account's pages that set it up and remove it (URL names, served by `urlpatterns`).
    enrol_url_name: ClassVar[str]
    remove_url_name: ClassVar[str]
    # A page that replaces it by a new one, confirmed before the old one goes (None: none).
    replace_url_name: ClassVar[str | None] = None
    replace_label: ClassVar[str] = _("Replace")
    # Whether it makes a user "Configured" (recovery codes alone do not: they are a way back).
    counts_as_second_factor: ClassVar[bool] = True

    @abstractmethod
    def urlpatterns(self) -> list[URLPattern]:
        """Return the pages that set the factor up and remove it from My account."""

    def remove_url(self, authenticator: Authenticator) -> str:
        """Return My account's page that removes this stored factor."""
        from django.urls import reverse

        return reverse(self.remove_url_name)

    def describe(self, authenticator: Authenticator) -> FactorSummary:
        """Summarise a stored factor for My account and the support Login tab."""
        return FactorSummary(
            kind=self.kind,
            name=str(self.label),
            added=authenticator.created_at,
            last_used=authenticator.last_used_at,
            kind_label=str(self.kind_label),
        )

    @abstractmethod
    def verify(
        self,
        *,
        user: User,
        authenticator: Authenticator,
        raw_code: str,
        request: HttpRequest | None,
        purpose: AuditAction,
    ) -> Outcome:
        """Check an answer to the stored factor, through the shared attempt guard."""

    @abstractmethod
    def remove(self, *, request: HttpRequest, authenticator: Authenticator) -> None:
        """Remove the factor at its user's request: the removal and its audit row, or neither."""
