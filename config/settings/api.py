"""The REST API (firmid.api): Django REST framework and its OpenAPI schema (drf-spectacular)."""

# Session authentication only: support agents sign in (with MFA) as for the Administration
# application, and CSRF applies to every unsafe method.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["firmid.api.permissions.SupportAgentAccess"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "firmid.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "firmid API",
    "DESCRIPTION": "MFA policy of accounting firms and their users, for support agents.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["firmid.api.permissions.SupportAgentAccess"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "MfaLevelEnum": "firmid.api.serializers.LEVEL_VALUES",
        "UserTypeEnum": "firmid.api.serializers.USER_TYPE_VALUES",
    },
}
