"""firmid's emails: a subject and a body template, rendered in the recipient's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def send_templated(template: str, to: str, context: dict[str, Any], *, language: str) -> None:
    """Send `firmid/email/<template>_subject.txt` and `_message.txt` to `to`, in `language`."""
    with translation.override(language):
        subject = render_to_string(f"firmid/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"firmid/email/{template}_message.txt", context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [to])
