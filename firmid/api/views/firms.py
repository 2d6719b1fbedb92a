"""Accounting firms: the list and each firm's MFA level per user type."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from firmid.api.serializers import (
    FirmLevelsOutput,
    FirmSearchInput,
    FirmSerializer,
    LevelChangesOutput,
    SetLevelsInput,
)
from firmid.api.views.common import error_responses, validated
from firmid.mfa.levels.selectors import firm_mfa_settings
from firmid.mfa.levels.services import firm_set_mfa_levels, parse_levels
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_get, firm_search


class FirmPagination(PageNumberPagination):
    page_size = 50

    def get_page_number(self, request: Request, paginator) -> int:  # noqa: ANN001
        # DRF reads "?page=" and "?page=x" as page 1; a bad page number is bad input.
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise ValidationError({self.page_query_param: ["A page number is a whole number from 1."]})
        return int(raw)


class FirmList(ListAPIView):
    serializer_class = FirmSerializer
    pagination_class = FirmPagination

    @extend_schema(
        operation_id="firm_list",
        tags=["firms"],
        summary="Search accounting firms by name",
        parameters=[FirmSearchInput],
        responses={200: FirmSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def get_queryset(self) -> QuerySet[Firm]:
        terms = validated(FirmSearchInput, self.request.query_params)
        return firm_search(query=terms["q"])


class FirmMfaLevels(APIView):
    @extend_schema(
        operation_id="firm_mfa_levels_get",
        tags=["firms"],
        summary="A firm's MFA level per user type",
        responses={200: FirmLevelsOutput, **error_responses(403, 404)},
    )
    def get(self, request: Request, firm_id: int) -> Response:
        firm = firm_get(pk=firm_id)
        settings = firm_mfa_settings(firm=firm)
        levels = {t.value: level.value for t, level in settings.levels.items()}
        sso_managed = [setting.user_type.value for setting in settings.sso_managed]
        return Response(FirmLevelsOutput({"firm": firm, "levels": levels, "sso_managed": sso_managed}).data)

    @extend_schema(
        operation_id="firm_mfa_levels_set",
        tags=["firms"],
        summary="Save a firm's MFA levels",
        description=(
            "Saves the level of each user type given (types left out are unchanged) for all the firm's "
            "users at once, and records each change in the audit log. Level 2 and 3 agents only."
        ),
        request=SetLevelsInput,
        responses={200: LevelChangesOutput, **error_responses(400, 403, 404, 409, 415)},
    )
    def put(self, request: Request, firm_id: int) -> Response:
        firm = firm_get(pk=firm_id)
        data = validated(SetLevelsInput, request.data)
        changes = firm_set_mfa_levels(
            actor=request.user,
            firm=firm,
            levels=parse_levels(data["levels"]),
            confirmed=data["confirm"],
            request=request,
        )
        return Response(LevelChangesOutput({"changes": changes}).data)
