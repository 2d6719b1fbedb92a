"""A user's MFA status as the pill shows it: the word, a symbol, and where the status comes from.

The status is `decide`'s; the sources say why, in the agent's language: the firm's level,
an individual activation by support, a factor the firm no longer allows, the firm's SSO,
or a rollout date still ahead ("Mandatory from 2 January 2027").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from firmid.administration.wording import mandatory_from as mandatory_from_text
from firmid.policy import Decision, MfaLevel, Status
from firmid.tenancy.labels import label

# A symbol per status (a shape, not only a colour); read aloud, the status's word is enough.
SYMBOLS = {
    Status.CONFIGURED: "✓",
    Status.FORCED: "!",
    Status.SUGGESTED: "?",
    Status.NOT_OFFERED: "–",
    Status.MANAGED_BY_SSO: "⇄",
}


@dataclass(frozen=True)
class StatusPill:
    status: Status
    sources: tuple[str, ...] = ()

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.status]

    @property
    def modifier(self) -> str:
        """The CSS modifier: status--configured, status--not_offered…"""
        return self.status.value


def status_pill(decision: Decision, *, level: MfaLevel, mandatory_from: datetime | None, now: datetime) -> StatusPill:
    """The pill of a user's decision, their type's level and its rollout date (if any)."""
    return StatusPill(decision.status, tuple(_sources(decision, level, mandatory_from, now)))


def _sources(decision: Decision, level: MfaLevel, mandatory_from: datetime | None, now: datetime) -> list[str]:
    if decision.managed_by_sso:
        return [_("The firm's SSO: its identity provider manages MFA")]
    firm_level = _("Firm level: %(level)s") % {"level": label(level)}
    sources = []
    if decision.status is Status.CONFIGURED:
        sources.append(_("Set up by the user"))
    if decision.forced_by_firm_level:
        sources.append(firm_level)
    if decision.forced_by_activation:
        sources.append(_("Individual activation by support"))
    if decision.forced_by_method:
        sources.append(_("A factor the firm no longer allows"))
    if decision.status is Status.SUGGESTED:
        pending = level is MfaLevel.MANDATORY and mandatory_from is not None and now < mandatory_from
        sources.append(mandatory_from_text(mandatory_from) if pending else firm_level)
    if decision.status is Status.NOT_OFFERED:
        sources.append(firm_level)
    return sources
