"""What the Administration application says of levels, rollout dates and saved changes, in the agent's language.

The policy's and the change objects' own texts are English: the API and the audit trail
carry them. People read these instead.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from firmid.accounts.models import Role
from firmid.administration.security_form import METHOD_LABELS
from firmid.mfa.levels.changes import OPTION_LABELS, LevelChange, OptionChange, SettingsPlan, day_text
from firmid.mfa.levels.inputs import METHOD_ORDER
from firmid.policy import MfaLevel
from firmid.tenancy.labels import label

# The roles as pages name them, in the agent's language.
ROLE_LABELS = dict(Role.choices)


def mandatory_from(moment: datetime) -> str:
    """ "Mandatory from 15 January 2027": a rollout date."""
    return _("Mandatory from %(date)s") % {"date": day_text(moment)}


def level_text(level: MfaLevel, moment: datetime | None) -> str:
    return mandatory_from(moment) if moment and level is MfaLevel.MANDATORY else label(level)


def methods_text(kinds: frozenset[str]) -> str:
    return ", ".join(str(METHOD_LABELS[kind]) for kind in METHOD_ORDER if kind in kinds)


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return pgettext("an option", "on") if value else pgettext("an option", "off")
    if isinstance(value, frozenset):
        return methods_text(value)
    return formats.localize(value) if isinstance(value, int) else str(value)


def change_text(change: LevelChange | OptionChange) -> str:
    """One change of a save: "Practitioners: Upon request → Mandatory"."""
    if isinstance(change, LevelChange):
        old, new = level_text(change.old, change.old_from), level_text(change.new, change.new_from)
        return _("%(type)s: %(old)s → %(new)s") % {"type": label(change.user_type), "old": old, "new": new}
    option = OPTION_LABELS.get(change.option, change.option)
    return _("%(type)s: %(option)s %(old)s → %(new)s") % {
        "type": label(change.user_type),
        "option": option,
        "old": _value_text(change.old),
        "new": _value_text(change.new),
    }


def changes_of(plan: SettingsPlan) -> list[str]:
    return [change_text(change) for change in (*plan.level_changes, *plan.option_changes)]


def saved_message(plan: SettingsPlan) -> str:
    """The notice after a save of the Authentication and security tab."""
    if not plan.changed:
        return _("Nothing to save: the levels are unchanged.")
    return _("Saved: %(changes)s.") % {"changes": "; ".join(changes_of(plan))}
