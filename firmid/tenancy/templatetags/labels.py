"""`{% load labels %}` then `{{ level|label }}`: a policy value's label in the page's language."""

from django import template

from firmid.tenancy import labels

register = template.Library()


@register.filter(name="label")
def label(value: object) -> str:
    return labels.label(value) if value not in (None, "") else ""


@register.filter(name="level_meaning")
def level_meaning(value: object) -> str:
    from firmid.policy import MfaLevel

    try:
        return str(labels.LEVEL_MEANINGS[MfaLevel(getattr(value, "value", value))])
    except (ValueError, KeyError):
        return ""
