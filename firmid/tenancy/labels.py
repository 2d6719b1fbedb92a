"""What a person reads for the policy's values, in their language (docs/i18n.md).

The policy is pure Python and its `.label`s are English: the API and the audit rows carry
them as part of firmid's contract. Pages, emails and the CLI show these instead.
"""

from __future__ import annotations

from enum import Enum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from firmid.policy import MfaLevel, Status, UserType
from firmid.policy.decision import ForcedBy

LABELS: dict[Enum, Promise] = {
    UserType.PRACTITIONERS: _("Practitioners"),
    UserType.CLIENTS: _("Administrator clients and standard clients"),
    UserType.CLIENT_EMPLOYEES: _("Employees of the accounting firm's clients"),
    MfaLevel.UPON_REQUEST: pgettext_lazy("MFA level", "Upon request"),
    MfaLevel.SUGGESTED: pgettext_lazy("MFA level", "Suggested"),
    MfaLevel.MANDATORY: pgettext_lazy("MFA level", "Mandatory"),
    Status.NOT_OFFERED: pgettext_lazy("MFA status", "Not offered"),
    Status.SUGGESTED: pgettext_lazy("MFA status", "Suggested"),
    Status.FORCED: pgettext_lazy("MFA status", "Forced"),
    Status.CONFIGURED: pgettext_lazy("MFA status", "Configured"),
    Status.MANAGED_BY_SSO: pgettext_lazy("MFA status", "Managed by SSO"),
    ForcedBy.FIRM_LEVEL: _("the firm's level"),
    ForcedBy.INDIVIDUAL_ACTIVATION: _("individual activation"),
    ForcedBy.SUPPORT_AGENT: _("support agents always use MFA"),
    ForcedBy.METHOD_NOT_ALLOWED: _("a factor the firm no longer allows"),
}

# The article's definitions: one line under each level on the Authentication and security tab.
LEVEL_MEANINGS: dict[MfaLevel, Promise] = {
    MfaLevel.UPON_REQUEST: _("MFA is not managed at the firm level: it is set up individually, user by user."),
    MfaLevel.SUGGESTED: _("Users choose whether to set up MFA; they can still sign in to applications without it."),
    MfaLevel.MANDATORY: _("Users must set up MFA; until they do, signing in to applications is blocked."),
}


def label(value: Enum | str) -> str:
    """The label of a policy value (an enum member, or its slug) in the active language."""
    if isinstance(value, Enum):
        return str(LABELS.get(value, getattr(value, "label", value.value)))
    for kind in (UserType, MfaLevel, Status, ForcedBy):
        try:
            return str(LABELS[kind(value)])
        except (ValueError, KeyError):
            continue
    return str(value)
