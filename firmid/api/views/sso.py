"""A firm's SSO connections, read-only: what support needs to help a firm's IT administrator, never a secret."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from firmid.api.serializers import SsoConnectionsOutput
from firmid.api.views.common import error_responses
from firmid.policy import UserType
from firmid.sso.selectors import firm_connections
from firmid.tenancy.selectors import firm_get


class FirmSsoConnections(APIView):
    @extend_schema(
        operation_id="firm_sso_connections_list",
        tags=["firms"],
        summary="A firm's SSO connections, one per user type at most",
        description=(
            "Each connection's upstream provider, domains and options, and whether a client secret is set; "
            "the secret itself is never returned. Every support agent may read them."
        ),
        responses={200: SsoConnectionsOutput, **error_responses(403, 404)},
    )
    def get(self, request: Request, firm_id: int) -> Response:
        firm = firm_get(pk=firm_id)
        connections = firm_connections(firm=firm)
        ordered = [connections[user_type] for user_type in UserType if user_type in connections]
        return Response(SsoConnectionsOutput({"firm": firm, "connections": ordered}).data)
