"""`{% load administration_labels %}` then `{{ user.role|role_label }}`: a role as the agent's language names it."""

from django import template

from firmid.administration.wording import ROLE_LABELS

register = template.Library()


@register.filter(name="role_label")
def role_label(value: object) -> str:
    return str(ROLE_LABELS.get(str(value), value))
