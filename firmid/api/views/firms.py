"""Accounting firms: the list and each firm's MFA settings per user type (level, rollout date, factor options)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _
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
from firmid.core import clock
from firmid.core.errors import ServiceError
from firmid.mfa.levels.changes import OPTION_NAMES, day_of, json_value
from firmid.mfa.levels.inputs import parse_mandatory_from, parse_methods, parse_user_type
from firmid.mfa.levels.selectors import TypeMfaOptions, firm_mfa_settings, firm_type_mfa_options
from firmid.mfa.levels.services import TypeSettingsInput, firm_save_mfa_settings, parse_levels
from firmid.policy import MfaLevel, UserType
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
            raise ValidationError({self.page_query_param: [_("A page number is a whole number from 1.")]})
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
        summary="A firm's MFA level, rollout date and factor options per user type",
        responses={200: FirmLevelsOutput, **error_responses(403, 404)},
    )
    def get(self, request: Request, firm_id: int) -> Response:
        firm = firm_get(pk=firm_id)
        settings = firm_mfa_settings(firm=firm)
        options = {t: firm_type_mfa_options(firm=firm, user_type=t) for t in settings.levels}
        body = {
            "firm": firm,
            "levels": {t.value: level.value for t, level in settings.levels.items()},
            "mandatory_from": {t.value: day for t, o in options.items() if (day := _pending_day(o)) is not None},
            "options": {t.value: _options_body(o) for t, o in options.items()},
            "sso_managed": [setting.user_type.value for setting in settings.sso_managed],
        }
        return Response(FirmLevelsOutput(body).data)

    @extend_schema(
        operation_id="firm_mfa_levels_set",
        tags=["firms"],
        summary="Save a firm's MFA levels, rollout dates and factor options",
        description=(
            "Saves the level of each user type given (types left out are unchanged) for all the firm's "
            "users at once, optionally Mandatory from a future day (`mandatory_from`), and the factor "
            "options given (`options`; options left out are unchanged), in one transaction that records "
            "each change in the audit log. Moving a type to upon_request, or restricting its methods so "
            "that some users' only factor is no longer allowed, needs `confirm`. Level 2 and 3 agents only."
        ),
        request=SetLevelsInput,
        responses={200: LevelChangesOutput, **error_responses(400, 403, 404, 409, 415)},
    )
    def put(self, request: Request, firm_id: int) -> Response:
        firm = firm_get(pk=firm_id)
        data = validated(SetLevelsInput, request.data)
        plan = firm_save_mfa_settings(
            actor=request.user, firm=firm, settings=_settings_of(data), confirmed=data["confirm"], request=request
        )
        return Response(LevelChangesOutput({"changes": plan.level_changes, "option_changes": plan.option_changes}).data)


def _pending_day(options: TypeMfaOptions) -> date | None:
    """The day Mandatory starts for a type under a rollout still ahead (None: none)."""
    ahead = options.mandatory_from is not None and options.mandatory_from > clock.now()
    return day_of(options.mandatory_from) if ahead and options.level is MfaLevel.MANDATORY else None


def _options_body(options: TypeMfaOptions) -> dict[str, object]:
    return {name: json_value(getattr(options, name)) for name in OPTION_NAMES}


def _settings_of(data: dict) -> dict[UserType, TypeSettingsInput]:
    """The validated body as the services take it: per type, the level with its date, and the options."""
    levels = parse_levels(data["levels"])
    dates, options = data.get("mandatory_from", {}), data.get("options", {})
    for raw_type in dates:
        if parse_user_type(raw_type) not in levels:
            raise ServiceError(
                _("mandatory_from.%(type)s: give the type's level (mandatory) in levels too.") % {"type": raw_type}
            )
    user_types = [t for t in UserType if t in levels or t.value in options]
    return {
        t: TypeSettingsInput(
            level=levels.get(t),
            mandatory_from=parse_mandatory_from(dates.get(t.value)),
            **_options_input(options.get(t.value, {})),
        )
        for t in user_types
    }


def _options_input(raw: dict) -> dict[str, object]:
    given = {name: raw[name] for name in OPTION_NAMES if name in raw}
    if "allowed_methods" in given:
        given["allowed_methods"] = parse_methods(given["allowed_methods"])
    return given
