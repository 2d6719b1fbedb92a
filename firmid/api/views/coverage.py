"""MFA coverage: a firm's enrolment report, and every firm's, paginated by firm."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from firmid.api.serializers import FirmCoverageOutput, FirmSearchInput
from firmid.api.views.common import error_responses, validated
from firmid.api.views.firms import FirmPagination
from firmid.mfa.levels.reports import FirmEnrolment, enrolment_by_firm, firm_enrolment_report, platform_enrolment_report
from firmid.tenancy.selectors import firm_get


class FirmCoverage(APIView):
    @extend_schema(
        operation_id="firm_mfa_coverage",
        tags=["coverage"],
        summary="A firm's MFA coverage per user type",
        description=(
            "The active users of each user type: how many configured MFA, must or may set it up, or are not offered it."
        ),
        responses={200: FirmCoverageOutput, **error_responses(403, 404)},
    )
    def get(self, request: Request, firm_id: int) -> Response:
        firm = firm_get(pk=firm_id)
        (coverage,) = enrolment_by_firm(firm_enrolment_report(firm=firm))
        return Response(FirmCoverageOutput(coverage).data)


class PlatformCoverage(ListAPIView):
    serializer_class = FirmCoverageOutput
    pagination_class = FirmPagination

    @extend_schema(
        operation_id="mfa_coverage",
        tags=["coverage"],
        summary="Every firm's MFA coverage, firms by name",
        description="One result per firm (50 per page), each with its three user types; `q` keeps the firms "
        "whose name contains it.",
        parameters=[FirmSearchInput],
        responses={200: FirmCoverageOutput(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def get_queryset(self) -> list[FirmEnrolment]:
        terms = validated(FirmSearchInput, self.request.query_params)
        # The report is 4 queries whatever the platform's size; the page is cut from it.
        return enrolment_by_firm(platform_enrolment_report(query=terms["q"]))
