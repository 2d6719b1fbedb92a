"""A firm user's MFA: their status, individual activation (and its undoing) and reset."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from firmid.accounts.models import User
from firmid.accounts.selectors import firm_user_get
from firmid.api.serializers import ConfirmInput, EmptyInput, ResetInput, UserMfaOutput
from firmid.api.views.common import error_responses, validated
from firmid.mfa.levels.services import ConfirmationRequired
from firmid.mfa.selectors import user_mfa_decision
from firmid.mfa.services import user_activate_mfa, user_deactivate_mfa, user_reset_mfa

RESET_NOT_CONFIRMED = _(
    'Resetting a user\'s MFA removes their factors and ends their sessions: send {"confirm": true} to confirm.'
)
DEACTIVATE_NOT_CONFIRMED = _(
    "Deactivating MFA for a user lowers their protection (a factor they configured stays): "
    'send {"confirm": true} to confirm.'
)


def user_mfa_body(user: User) -> dict[str, Any]:
    decision = user_mfa_decision(user=user)
    body = {"user": user, "status": decision.status, "action": decision.action, "forced_by": decision.forced_by}
    return UserMfaOutput(body).data


class UserMfa(APIView):
    @extend_schema(
        operation_id="user_mfa_get",
        tags=["users"],
        summary="A firm user's MFA status",
        responses={200: UserMfaOutput, **error_responses(403, 404)},
    )
    def get(self, request: Request, public_id: UUID) -> Response:
        return Response(user_mfa_body(firm_user_get(public_id=public_id)))


class UserMfaActivate(APIView):
    @extend_schema(
        operation_id="user_mfa_activate",
        tags=["users"],
        summary="Activate MFA for one user",
        description=(
            "The user will have to set MFA up at their next sign-in, whatever their firm's level. "
            "Only for a user whose status is Not offered or Suggested. Level 2 and 3 agents only."
        ),
        request=None,
        responses={200: UserMfaOutput, **error_responses(400, 403, 404, 409, 415)},
    )
    def post(self, request: Request, public_id: UUID) -> Response:
        subject = firm_user_get(public_id=public_id)
        validated(EmptyInput, request.data)
        user_activate_mfa(actor=request.user, user=subject, request=request)
        return Response(user_mfa_body(subject))


class UserMfaDeactivate(APIView):
    @extend_schema(
        operation_id="user_mfa_deactivate",
        tags=["users"],
        summary="Undo MFA's individual activation for one user",
        description=(
            "The user is no longer asked to set MFA up because support activated it for them; their firm's "
            "level still applies, and a factor they configured is never removed (they are still asked for its "
            'code). Only for a user whose MFA was individually activated. Needs {"confirm": true}: it lowers '
            "protection. Level 2 and 3 agents only."
        ),
        request=ConfirmInput,
        responses={200: UserMfaOutput, **error_responses(400, 403, 404, 409, 415)},
    )
    def post(self, request: Request, public_id: UUID) -> Response:
        subject = firm_user_get(public_id=public_id)
        if not validated(ConfirmInput, request.data)["confirm"]:
            raise ConfirmationRequired(str(DEACTIVATE_NOT_CONFIRMED))
        user_deactivate_mfa(actor=request.user, user=subject, request=request)
        return Response(user_mfa_body(subject))


class UserMfaReset(APIView):
    @extend_schema(
        operation_id="user_mfa_reset",
        tags=["users"],
        summary="Reset a user's MFA (lost phone)",
        description=(
            "Removes the user's factors and ends their sessions and tokens; at their next sign-in their "
            "firm's level, and MFA activated for them individually if it is, apply again. "
            'Needs {"confirm": true} and the reason (audited); "send_setup_link": true emails a single-use '
            "set-up link, after which only its holder may set MFA up. Level 2 and 3 agents only."
        ),
        request=ResetInput,
        responses={200: UserMfaOutput, **error_responses(400, 403, 404, 409, 415)},
    )
    def post(self, request: Request, public_id: UUID) -> Response:
        subject = firm_user_get(public_id=public_id)
        body = validated(ResetInput, request.data)
        if not body["confirm"]:
            raise ConfirmationRequired(str(RESET_NOT_CONFIRMED))
        user_reset_mfa(
            actor=request.user,
            user=subject,
            reason=body["reason"],
            send_setup_link=body["send_setup_link"],
            request=request,
        )
        return Response(user_mfa_body(subject))
