"""django-oauth-toolkit's private API that firmid uses, in one place (pinned by firmid/core/tests/test_seams.py).

DOT documents OAuth2Validator's public methods as its extension points; firmid also overrides
private ones, to read an application once per request, to date a code with its sign-in,
and to link a code to the tokens it issued. Written against django-oauth-toolkit
WRITTEN_FOR; after an upgrade, a failing seam test says which entry changed: re-read it
here and at its site, then update both. The owners are named, not imported: importing DOT's
validator needs the apps loaded.
"""

from __future__ import annotations

from firmid.core.seams import Hook

WRITTEN_FOR = "3.4.1"
DISTRIBUTION = "django-oauth-toolkit"

_VALIDATOR = "oauth2_provider.oauth2_validators.OAuth2Validator"
_FIRMID_VALIDATOR = "firmid.oidc.validators.FirmidValidator"

HOOKS = (
    Hook(
        owner=_VALIDATOR,
        name="_load_application",
        overridden=True,
        why="every client lookup (authorization, client authentication) loads the application here",
        site=_FIRMID_VALIDATOR,
        params=("self", "client_id", "request"),
        used_by=(
            "validate_client_id",
            "authenticate_client_id",
            "_authenticate_basic_auth",
            "_authenticate_request_body",
        ),
    ),
    Hook(
        owner=_VALIDATOR,
        name="_create_authorization_code",
        overridden=True,
        why="creates and returns the Grant row of a code, which firmid dates with auth_time, amr and acr",
        site=_FIRMID_VALIDATOR,
        params=("self", "request", "code", "expires"),
        used_by=("save_authorization_code",),
    ),
    Hook(
        owner=_VALIDATOR,
        name="_load_id_token",
        overridden=True,
        why="reads an ID token's row back from its JWT, when linking it to the access token and validating it",
        site=_FIRMID_VALIDATOR,
        params=("self", "token"),
        used_by=("_create_access_token", "validate_id_token"),
    ),
    Hook(
        owner=_VALIDATOR,
        name="_create_access_token",
        overridden=True,
        why="creates and returns every AccessToken row, which firmid links to the code that issued it",
        site=_FIRMID_VALIDATOR,
        params=("self", "expires", "request", "token", "source_refresh_token"),
        used_by=("save_bearer_token>_save_bearer_token",),
    ),
    Hook(
        owner=_VALIDATOR,
        name="_create_refresh_token",
        overridden=True,
        why="creates and returns every RefreshToken row, whose family a reused code revokes",
        site=_FIRMID_VALIDATOR,
        params=("self", "request", "refresh_token_code", "access_token", "previous_refresh_token"),
        used_by=("save_bearer_token>_save_bearer_token",),
    ),
    Hook(
        owner="oauth2_provider.views.oidc.ConnectDiscoveryInfoView",
        name="_get_endpoint_url",
        why="the absolute URL of a named endpoint, as DOT's discovery document builds it",
        site="firmid.oidc.views.DiscoveryView",
        params=("self", "request", "view_name", "required"),
        used_by=("get",),
    ),
)
