"""The API's inputs and outputs: strict on the way in, documented on the way out.

Refusals are for a person, in the request's language; the field names and values they
quote stay as the API spells them. The OpenAPI document (help_text) stays English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from firmid.mfa.levels.changes import OPTION_NAMES
from firmid.mfa.levels.inputs import MAX_TRUST_BROWSER_DAYS, METHOD_ORDER
from firmid.policy import Action, ForcedBy, MfaLevel, Status, UserType
from firmid.sso.selectors import sso_redirect_uri

LEVEL_VALUES = [level.value for level in MfaLevel]
USER_TYPE_VALUES = [user_type.value for user_type in UserType]
FORCED_BY_VALUES = [reason.value for reason in ForcedBy]
METHOD_VALUES = list(METHOD_ORDER)


class StrictSerializer(serializers.Serializer):
    """Refuse fields it does not know: a misspelt field must not be silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [name for name in data if name not in self.fields]
            if unknown:
                raise serializers.ValidationError({name: [self.unknown_field_message(name)] for name in unknown})
        return super().to_internal_value(data)

    def unknown_field_message(self, name: str) -> str:
        if not self.fields:
            return _("Unknown field: this body takes none.")
        return _("Unknown field: expected one of %(fields)s.") % {"fields": ", ".join(self.fields)}


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false, not "yes", 1 or "on"."""

    default_error_messages = {"invalid": gettext_lazy("Must be true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class SlugChoiceField(serializers.ChoiceField):
    """A choice among slugs; its refusal may name them all as {choices}."""

    def fail(self, key: str, **kwargs: Any) -> None:
        if key == "invalid_choice":
            kwargs["choices"] = ", ".join(str(choice) for choice in self.choices)
        super().fail(key, **kwargs)


def level_field(**options: Any) -> serializers.ChoiceField:
    message = gettext_lazy("Unknown MFA level {input!r}: choose one of {choices}.")
    return SlugChoiceField(choices=LEVEL_VALUES, error_messages={"invalid_choice": message}, **options)


def unknown_user_type() -> str:
    return _("Unknown user type: choose one of %(types)s.") % {"types": ", ".join(USER_TYPE_VALUES)}


class TypeLevelsSerializer(StrictSerializer):
    """{user type: level}: each type optional, no other key."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {t.value: level_field(required=False, help_text=t.label) for t in UserType}

    def unknown_field_message(self, name: str) -> str:
        return unknown_user_type()


class StrictIntegerField(serializers.IntegerField):
    """A JSON whole number, not "30", 30.0 or true."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class TypeDatesSerializer(StrictSerializer):
    """{user type: day}: when Mandatory starts for each type under a rollout."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {t.value: serializers.DateField(required=False, help_text=t.label) for t in UserType}

    def unknown_field_message(self, name: str) -> str:
        return unknown_user_type()


class TypeOptionsSerializer(StrictSerializer):
    """A user type's factor options; on input each is optional (left out: unchanged)."""

    allowed_methods = serializers.ListField(
        child=SlugChoiceField(
            choices=METHOD_VALUES,
            error_messages={"invalid_choice": gettext_lazy("Unknown method {input!r}: choose among {choices}.")},
        ),
        allow_empty=False,
        required=False,
        max_length=len(METHOD_VALUES),
        error_messages={
            "empty": gettext_lazy("Allow at least one method: totp (authenticator app), webauthn (passkeys).")
        },
        help_text="The factor kinds the type may set up and sign in with: totp, webauthn (passkeys).",
    )
    passwordless_passkeys = StrictBooleanField(
        required=False, help_text="A passkey may sign the type in without a password (needs webauthn allowed)."
    )
    trust_browser_days = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_TRUST_BROWSER_DAYS,
        help_text="Days a browser may be trusted after a second factor; 0 never offers it.",
    )
    email_code_before_enrolment = StrictBooleanField(
        required=False, help_text="A code sent by email must be typed before any first set-up."
    )


class TypeOptionsMapSerializer(StrictSerializer):
    """{user type: options}: each type optional, no other key."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {t.value: TypeOptionsSerializer(required=False, help_text=t.label) for t in UserType}

    def unknown_field_message(self, name: str) -> str:
        return unknown_user_type()


class SetLevelsInput(StrictSerializer):
    """The levels, rollout dates and factor options to save for a firm."""

    levels = TypeLevelsSerializer(help_text="The levels to save; user types left out are unchanged.")
    mandatory_from = TypeDatesSerializer(
        required=False,
        help_text=(
            "For a type given mandatory in levels: mandatory from this day (00:00 UTC), in the future; until "
            "then set-up is offered with Activate later. Left out: mandatory at once."
        ),
    )
    options = TypeOptionsMapSerializer(
        required=False, help_text="Factor options per user type; types and options left out are unchanged."
    )
    confirm = StrictBooleanField(
        default=False,
        help_text=(
            "Must be true to move a user type to upon_request (it lowers protection), or to restrict the allowed "
            "methods so that some users' only factor is no longer allowed."
        ),
    )


class ConfirmInput(StrictSerializer):
    """The confirmation an action that cannot be undone, or lowers protection, needs."""

    confirm = StrictBooleanField(
        default=False, help_text="Must be true: the action cannot be undone, or it lowers protection."
    )


class ResetInput(ConfirmInput):
    """Support's reset of a user's MFA: confirmed, with the reason it answers."""

    reason = serializers.CharField(
        max_length=255, help_text="Why: the request, ticket or call the reset answers (3 to 255 characters); audited."
    )
    send_setup_link = StrictBooleanField(
        default=False, help_text="Email the user a single-use set-up link: only its holder may then set MFA up."
    )


class EmptyInput(StrictSerializer):
    """No field: a body, if any, must be an empty object."""


class FirmSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class FirmLevelsOutput(serializers.Serializer):
    firm = FirmSerializer()
    levels = TypeLevelsSerializer(help_text="The level of each user type that firmid manages (not under SSO).")
    mandatory_from = TypeDatesSerializer(
        help_text="The types under a rollout: Mandatory from this day (00:00 UTC), offered until then."
    )
    options = TypeOptionsMapSerializer(help_text="The factor options of each user type that firmid manages.")
    sso_managed = serializers.ListField(
        child=serializers.ChoiceField(choices=USER_TYPE_VALUES),
        help_text="User types that sign in through the firm's SSO connection: their identity provider manages MFA.",
    )


class LevelChangeSerializer(serializers.Serializer):
    user_type = serializers.ChoiceField(choices=USER_TYPE_VALUES, source="user_type.value")
    old = level_field(source="old.value")
    new = level_field(source="new.value")
    old_mandatory_from = serializers.DateField(
        source="old_day", allow_null=True, help_text="The rollout day before; null: the level applied at once."
    )
    new_mandatory_from = serializers.DateField(
        source="new_day", allow_null=True, help_text="The rollout day saved; null: the level applies at once."
    )


class OptionChangeSerializer(serializers.Serializer):
    user_type = serializers.ChoiceField(choices=USER_TYPE_VALUES, source="user_type.value")
    option = serializers.ChoiceField(choices=list(OPTION_NAMES))
    old = serializers.JSONField(source="old_json", help_text="The value before.")
    new = serializers.JSONField(source="new_json", help_text="The value saved.")


class LevelChangesOutput(serializers.Serializer):
    changes = LevelChangeSerializer(many=True, help_text="The levels saved; empty when no level changed.")
    option_changes = OptionChangeSerializer(
        many=True, help_text="The factor options saved; empty when no option changed."
    )


class UserSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    user_type = serializers.ChoiceField(choices=USER_TYPE_VALUES, source="user_type.value")
    firm = FirmSerializer()


class UserMfaOutput(serializers.Serializer):
    user = UserSerializer()
    # The API answers the label support staff see: the contract predates the slugs.
    status = serializers.ChoiceField(choices=[s.label for s in Status], source="status.label")
    action = serializers.ChoiceField(
        choices=[a.value for a in Action],
        source="action.value",
        help_text="What the user must do at their next sign-in.",
    )
    forced_by = serializers.SerializerMethodField(
        help_text=(
            "Why MFA is required of the user, configured or not: firm_level (their firm's level for their "
            "user type is mandatory), individual_activation (support activated MFA for them). Empty when "
            "MFA is not required, and under SSO."
        ),
    )

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=FORCED_BY_VALUES)))
    def get_forced_by(self, body: Mapping[str, Any]) -> list[str]:
        return sorted(reason.value for reason in body["forced_by"])


class EnrolmentRowSerializer(serializers.Serializer):
    """One user type of a firm: its level and where each of its active users stands."""

    user_type = serializers.ChoiceField(choices=USER_TYPE_VALUES, source="user_type.value")
    level = level_field(
        source="level.value", allow_null=True, help_text="null when the firm's SSO connection manages the type."
    )
    managed_by_sso = serializers.BooleanField(help_text="The firm's identity provider manages these users' MFA.")
    users = serializers.IntegerField(help_text="Active users of the type (disabled users are not counted).")
    configured = serializers.IntegerField(help_text="Users who configured MFA: asked for a code at every sign-in.")
    forced_not_configured = serializers.IntegerField(help_text="Must set MFA up at their next sign-in.")
    suggested_not_configured = serializers.IntegerField(help_text="Offered MFA at sign-in; may postpone it.")
    not_offered = serializers.IntegerField(help_text="Upon request, not individually activated, nothing configured.")
    covered_percent = serializers.FloatField(
        allow_null=True,
        help_text="configured / users in %, rounded down to 0.1; null without users or under SSO.",
    )


class FirmRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="firm_id")
    name = serializers.CharField(source="firm_name")


class FirmCoverageOutput(serializers.Serializer):
    firm = FirmRefSerializer(source="*")
    user_types = EnrolmentRowSerializer(many=True, source="rows", help_text="One entry per user type, all three.")


class FirmSearchInput(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ClientCompanySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class SsoConnectionSerializer(serializers.Serializer):
    """A user type's connection to the firm's identity provider: never its client secret."""

    id = serializers.UUIDField(source="public_id")
    user_type = serializers.ChoiceField(choices=USER_TYPE_VALUES)
    enabled = serializers.BooleanField(help_text="The type signs in through the provider, which manages its MFA.")
    issuer = serializers.CharField(help_text="The provider's issuer: its discovery document is under it.")
    client_id = serializers.CharField()
    secret_set = serializers.BooleanField(source="has_secret", help_text="A client secret is stored (never shown).")
    secret_changed_at = serializers.DateTimeField(allow_null=True, help_text="When the secret was last set.")
    scopes = serializers.CharField(help_text="Asked of the provider, separated by spaces.")
    email_domains = serializers.ListField(
        child=serializers.CharField(), help_text="Addresses of these domains sign in through the provider."
    )
    create_users = serializers.BooleanField(help_text="An unknown user of a served domain is created at first sign-in.")
    require_upstream_mfa = serializers.BooleanField(help_text="A sign-in without MFA at the provider is refused.")
    mfa_acr = serializers.CharField(help_text="The acr value that means the provider did MFA (its amr is read too).")
    client_company = ClientCompanySerializer(
        allow_null=True, help_text="For a client type: where users created at first sign-in belong."
    )
    redirect_uri = serializers.SerializerMethodField(help_text="The redirect URI to register at the provider.")

    def get_redirect_uri(self, connection: Any) -> str:
        return sso_redirect_uri()


class SsoConnectionsOutput(serializers.Serializer):
    firm = FirmSerializer()
    connections = SsoConnectionSerializer(
        many=True, help_text="The firm's connections, enabled or not, in user type order; a type without one is absent."
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What was refused and why, for a person to read.")
    code = serializers.CharField(help_text="A stable code, e.g. confirmation_required, not_found, conflict.")
    errors = serializers.DictField(
        required=False, help_text="For invalid input: the messages of each field.", child=serializers.JSONField()
    )
