"""One exception handler: every refusal is JSON {"detail", "code"} with the right status.

`detail` and the messages under `errors` are for a person, in the request's language
(Accept-Language); `code`, the field names and the values stay the same in every language.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from firmid.core.errors import ServiceError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn a service's refusal or DRF's own into {"detail", "code"} (and "errors" for bad input)."""
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = _body(exc)
    return response


def _body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
        problems = "; ".join(_flatten(errors))
        return {
            "detail": _("Invalid input: %(problems)s") % {"problems": problems},
            "code": "invalid",
            "errors": errors,
        }
    return {"detail": str(exc.detail), "code": getattr(exc.detail, "code", None) or exc.default_code}


def _flatten(errors: Any, prefix: str = "") -> list[str]:
    """List every message as "field.sub: message", so `detail` alone says what is wrong."""
    if isinstance(errors, dict):
        return [
            line
            for key, value in errors.items()
            for line in _flatten(value, prefix if key == api_settings.NON_FIELD_ERRORS_KEY else f"{prefix}{key}.")
        ]
    if isinstance(errors, list):
        return [line for item in errors for line in _flatten(item, prefix)]
    label = prefix.removesuffix(".")
    return [_("%(field)s: %(message)s") % {"field": label, "message": errors} if label else str(errors)]
