"""Who is not covered: a firm's active users without MFA, with their status and why (read-only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from firmid.api.views.common import error_responses, validated
from firmid.api.views.firms import FirmPagination
from firmid.mfa.levels.uncovered import LISTED_STATUSES, firm_uncovered, parse_uncovered_query
from firmid.policy import UserType
from firmid.tenancy.selectors import firm_get

USER_TYPE_VALUES = [t.value for t in UserType]
STATUS_VALUES = [s.value for s in LISTED_STATUSES]


class UncoveredInput(serializers.Serializer):
    user_type = serializers.ChoiceField(
        choices=USER_TYPE_VALUES, required=False, help_text="Only the users of this type (all types if left out)."
    )
    status = serializers.ChoiceField(
        choices=STATUS_VALUES,
        required=False,
        help_text=(
            "Only the users with this status. Left out: every user without MFA (not_offered, suggested, forced); "
            "managed_by_sso lists the users of a type the firm's identity provider signs in, listed apart."
        ),
    )
    page = serializers.IntegerField(required=False, min_value=1, help_text="Page number (100 users per page).")


class UncoveredUserOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text="The user's public id (as in /users/{id}/mfa).")
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    user_type = serializers.ChoiceField(choices=USER_TYPE_VALUES, source="user_type.value")
    status = serializers.ChoiceField(choices=STATUS_VALUES, source="status.value")
    level = serializers.CharField(help_text='The type\'s level as support reads it, e.g. "Mandatory from …".')
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why the user stands where they do.")
    individually_activated = serializers.BooleanField()
    disallowed_methods = serializers.ListField(
        child=serializers.CharField(),
        source="disallowed_kinds",
        help_text="Factors the user set up that the firm no longer allows for their type.",
    )
    last_login = serializers.DateTimeField(allow_null=True, help_text="Last sign-in (UTC); null if never.")


class UncoveredPagination(FirmPagination):
    page_size = 100


class FirmUncoveredUsers(GenericAPIView):
    serializer_class = UncoveredUserOutput
    pagination_class = UncoveredPagination

    @extend_schema(
        operation_id="firm_uncovered_users",
        tags=["coverage"],
        summary="A firm's active users without MFA, with their status and why",
        description=(
            "Users with no second factor of a kind the firm allows for their type, by id, 100 per page; "
            "filter by `user_type` and `status`. Read-only: every support agent may call it."
        ),
        parameters=[UncoveredInput],
        responses={200: UncoveredUserOutput(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request: Request, firm_id: int) -> Response:
        firm = firm_get(pk=firm_id)
        terms = validated(UncoveredInput, request.query_params)
        query = parse_uncovered_query(user_type=terms.get("user_type"), status=terms.get("status"))
        listed = firm_uncovered(firm=firm, query=query)
        page = self.paginate_queryset(listed.users(with_public_id=True))
        rows = [listed.row(values) for values in page]
        return self.get_paginated_response(UncoveredUserOutput(rows, many=True).data)
