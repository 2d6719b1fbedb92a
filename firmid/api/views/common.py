"""What every API view shares: strict input validation and the documented error responses."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from firmid.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input: unknown field, wrong type, unknown user type or level. Nothing was changed.",
    403: (
        "Not signed in, not a support agent, a level 1 agent asking for a change, or a missing CSRF "
        "token. Nothing was changed."
    ),
    404: "No such firm, firm user or page.",
    409: (
        "Refused by the MFA policy: the user type is managed by the firm's SSO connection, the user's "
        'status does not allow it, or code `confirmation_required` (send `"confirm": true`). '
        "Nothing was changed."
    ),
    415: "The body is not JSON (Content-Type must be application/json).",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Document the error body under each of `statuses`."""
    return {status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status]) for status in statuses}


def validated(serializer_class: type[Serializer], data: Any) -> dict[str, Any]:
    """Return the input validated by `serializer_class`, or refuse it with 400."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class NoSuchEndpoint(APIView):
    """Answer any other path under /api/ with JSON, not the site's HTML 404 page."""

    schema = None  # not an operation of the document

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound(_("No such endpoint."))
