"""Input of the Administration application: search boxes and the posted MFA levels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from firmid.policy import MfaLevel, UserType
from firmid.tenancy.selectors import MAX_PK

LEVEL_PREFIX = "level_"
CONFIRMED = "confirmed"


class FirmSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)


class UserSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    firm = forms.IntegerField(required=False, min_value=1, max_value=MAX_PK)


@dataclass(frozen=True)
class SearchTerms:
    query: str = ""
    firm_id: int | None = None


def search_terms(form: forms.Form) -> SearchTerms:
    """Return the valid search terms; an invalid one (say firm=abc) is ignored, not an error."""
    form.is_valid()
    return SearchTerms(query=form.cleaned_data.get("q") or "", firm_id=form.cleaned_data.get("firm"))


def level_field(user_type: UserType) -> str:
    return f"{LEVEL_PREFIX}{user_type.value}"


def posted_levels(data: QueryDict) -> dict[str, str]:
    """Return the posted {user type: level} of every level_<user type> field, unparsed."""
    return {key.removeprefix(LEVEL_PREFIX): data[key] for key in data if key.startswith(LEVEL_PREFIX)}


def is_confirmed(data: QueryDict) -> bool:
    return data.get(CONFIRMED) == "1"


def hidden_levels(levels: Mapping[UserType, MfaLevel]) -> list[tuple[str, str]]:
    """Return the (name, value) pairs that re-post `levels` from the Confirm step."""
    return [(level_field(user_type), level.value) for user_type, level in levels.items()]
