"""firmid's storage and policy behind django-oauth-toolkit: claims, codes, refresh tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from firmid.core import clock, request_memo
from firmid.mfa.selectors import user_with_snapshot
from firmid.oidc import policy, selectors

Grant = get_grant_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
# The grants of the token endpoint, as discovery lists them (grant_types_supported).
GRANT_TYPES = ("authorization_code", "refresh_token")


# seam: the _load_*/_create_* methods below override DOT's private API (firmid/core/seams/dot.py).
class FirmidValidator(OAuth2Validator):
    # Claims released by scope; firmid's own (firm, user_type, role) come with openid.
    oidc_claim_scope = {
        "sub": "openid",
        "firm": "openid",
        "user_type": "openid",
        "role": "openid",
        "name": "profile",
        "email": "email",
        "email_verified": "email",
    }

    def _load_application(self, client_id, request):  # noqa: ANN001, ANN202
        # oauthlib validates an authorization request twice (once to show it, once to answer
        # it), each time from a new request object: the application is read once per request.
        remembered = request_memo.remembered("oidc_applications")
        if remembered is not None and not request.client and client_id in remembered:
            request.client = remembered[client_id]
        if not request.client:
            # With its profile (scopes, user types, require MFA), which every use reads next.
            request.client = _application_with_profile(client_id)
        application = super()._load_application(client_id, request)
        if remembered is not None and application is not None:
            remembered[client_id] = application
        return application

    def get_additional_claims(self, request) -> dict:  # noqa: ANN001
        user = request.user
        firm = {"id": str(user.firm.public_id), "name": user.firm.name} if user.firm else None
        return {
            "sub": str(user.public_id),
            "firm": firm,
            "user_type": user.user_type.value if user.user_type else None,
            "role": user.role,
            "name": user.full_name,
            "email": user.email,
            "email_verified": True,
        }

    def get_id_token_dictionary(self, token, token_handler, request):  # noqa: ANN001, ANN201
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        # oauthlib reads the clock for iat a moment before DOT reads it for exp: across a
        # second's boundary the token would live a second longer than configured.
        claims["iat"] = claims["exp"] - oauth2_settings.ID_TOKEN_EXPIRE_SECONDS
        context = getattr(request, "firmid_auth_context", None)
        if context:
            claims.update(auth_time=int(context["auth_time"]), amr=context["amr"], acr=context["acr"])
        return claims, expiration

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs) -> bool:  # noqa: ANN001, ANN002, ANN003
        # The code flow only: no implicit or hybrid response (RFC 9700 2.1.2), and the error
        # RFC 6749 4.1.2.1 names for it, not DOT's per-client unauthorized_client.
        if response_type != "code":
            raise errors.UnsupportedResponseTypeError(request=request)
        return super().validate_response_type(client_id, response_type, client, request, *args, **kwargs)

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:  # noqa: ANN001, ANN002, ANN003
        if grant_type not in GRANT_TYPES:
            raise errors.UnsupportedGrantTypeError(request=request)
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)

    def validate_user(self, username, password, client, request, *args, **kwargs) -> bool:  # noqa: ANN001, ANN002, ANN003
        # No password grant (RFC 9700 2.4). oauthlib checks the password before the grant
        # type: refuse here, before any password is checked, or the token endpoint would
        # tell a right password from a wrong one to anyone holding a public client's id,
        # past the sign-in page's rate limits and the second factor.
        raise errors.UnsupportedGrantTypeError(request=request)

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        # redirect_uri is REQUIRED in every authentication request (OIDC Core 3.1.2.1), so
        # also at the token endpoint (RFC 6749 4.1.3): never fall back to a registered one.
        return None

    def validate_silent_login(self, request) -> bool:  # noqa: ANN001
        # prompt=none (oauthlib asks; DOT leaves it unimplemented, a 500). oauthlib's request
        # carries no session: the authorization door answers for it instead (oidc/door.py),
        # login_required when nobody is signed in or the session would need the user, and
        # interaction_required when the policy would.
        return True

    def validate_silent_authorization(self, request) -> bool:  # noqa: ANN001
        # Every registered application is first-party (skip_authorization): no consent to ask.
        return True

    def refresh_id_token(self, request) -> bool:  # noqa: ANN001
        # OIDC Core 12.2 allows no ID token on refresh; one would need the original
        # authentication's auth_time and amr, which a refresh does not re-prove.
        return False

    def _create_authorization_code(self, request, code, expires=None):  # noqa: ANN001, ANN202
        grant = super()._create_authorization_code(request, code, expires)
        context = request.firmid_auth_context
        grant.auth_time = datetime.fromtimestamp(context["auth_time"], tz=UTC)
        grant.amr, grant.acr = context["amr"], context["acr"]
        grant.save(update_fields=["auth_time", "amr", "acr"])
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:  # noqa: ANN001, ANN002, ANN003
        # Runs inside the exchange's transaction (TokenView), which select_for_update demands:
        # the code is consumed only if its tokens are issued, and a second exchange of the
        # code waits for the first to end, then reads what it issued.
        grant = Grant.objects.select_for_update().filter(code=code, application=client).first()
        if grant is None:
            return False
        if grant.consumed_at is not None:
            policy.revoke_issued_by(grant)  # a reuse: what the first exchange issued goes
            return False
        grant.consumed_at = clock.now()
        grant.save(update_fields=["consumed_at"])
        # The code's user, read with their MFA snapshot for the policy check below.
        user = user_with_snapshot(user_id=grant.user_id)
        if grant.is_expired() or user is None:
            return False
        # What DOT's validate_code sets, from the grant read once for the whole exchange.
        request.firmid_grant = grant
        request.scopes = grant.scope.split(" ")
        request.user = user
        if grant.nonce:
            request.nonce = grant.nonce
        if grant.claims:
            request.claims = json.loads(grant.claims)
        request.firmid_auth_context = {
            "auth_time": grant.auth_time.timestamp() if grant.auth_time else clock.timestamp(),
            "amr": grant.amr,
            "acr": grant.acr,
        }
        return policy.may_hold_tokens(request.user)

    def _exchanged_grant(self, code: str, request):  # noqa: ANN001, ANN202
        """The grant validate_code read for this exchange, or None before it ran."""
        grant = getattr(request, "firmid_grant", None)
        return grant if grant is not None and grant.code == code else None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request=None, *args, **kwargs) -> bool:  # noqa: ANN001, ANN002, ANN003
        grant = self._exchanged_grant(code, request) if request is not None else None
        if grant is None:
            return super().confirm_redirect_uri(client_id, code, redirect_uri, client, request, *args, **kwargs)
        if not grant.redirect_uri_allowed(redirect_uri):
            # RFC 6749 5.2 names this invalid_grant; oauthlib would answer invalid_request.
            raise errors.InvalidGrantError(description="redirect_uri is not the one of the authorization request.")
        return True

    def get_code_challenge(self, code, request):  # noqa: ANN001, ANN201
        grant = self._exchanged_grant(code, request)
        return (grant.code_challenge or None) if grant else super().get_code_challenge(code, request)

    def get_code_challenge_method(self, code, request):  # noqa: ANN001, ANN201
        grant = self._exchanged_grant(code, request)
        return (grant.code_challenge_method or None) if grant else super().get_code_challenge_method(code, request)

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):  # noqa: ANN001, ANN201
        grant = self._exchanged_grant(code, request)
        if grant is None:
            return super().get_authorization_code_nonce(client_id, code, redirect_uri, request)
        return grant.nonce or None

    def finalize_id_token(self, id_token, token, token_handler, request) -> str:  # noqa: ANN001
        serialized = super().finalize_id_token(id_token, token, token_handler, request)
        remembered = request_memo.remembered("oidc_id_tokens")
        if remembered is not None:
            remembered[serialized] = request.id_token  # the row DOT just saved
        return serialized

    def _load_id_token(self, token):  # noqa: ANN001, ANN202
        # DOT links the access token to the ID token it signed a moment ago by verifying
        # that token and reading its row back: in the same request, the row is at hand.
        remembered = request_memo.remembered("oidc_id_tokens")
        if remembered and token in remembered:
            return remembered[token]
        return super()._load_id_token(token)

    def _create_access_token(self, expires, request, token, source_refresh_token=None):  # noqa: ANN001, ANN202
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        request.firmid_issued_access_token = access_token
        return access_token

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):  # noqa: ANN001, ANN202
        refresh_token = super()._create_refresh_token(request, refresh_token_code, access_token, previous_refresh_token)
        request.firmid_issued_refresh_token = refresh_token
        return refresh_token

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        # Kept (consumed) rather than deleted, so that a reuse can revoke what it issued: the
        # tokens and this link commit in the exchange's one transaction, or none of them does.
        issued = getattr(request, "firmid_issued_access_token", None)
        refresh = getattr(request, "firmid_issued_refresh_token", None) if issued else None
        Grant.objects.filter(pk=request.firmid_grant.pk).update(
            issued_access_token_id=issued.pk if issued else None,
            issued_token_family=refresh.token_family if refresh else None,
        )

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs) -> bool:  # noqa: ANN001, ANN002, ANN003
        # Exact string match, port included (DOT would let any port through on loopback,
        # as RFC 8252 allows native apps; firmid's applications are web applications).
        return redirect_uri in request.client.redirect_uris.split()

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:  # noqa: ANN001, ANN002, ANN003
        if not super().validate_scopes(client_id, scopes, client, request, *args, **kwargs):
            return False
        allowed = selectors.application_scopes(application=client)
        return allowed is None or set(scopes) <= set(allowed)

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:  # noqa: ANN001, ANN002, ANN003
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        token = request.refresh_token_instance
        chain_over = policy.refresh_chain_end(family=token.token_family, created=token.created) < clock.now()
        if chain_over or not policy.may_hold_application_tokens(request.user, client):
            RefreshToken.revoke_family(token.token_family)
            return False
        return True

    def validate_bearer_token(self, token, scopes, request) -> bool:  # noqa: ANN001
        return super().validate_bearer_token(token, scopes, request) and policy.may_hold_tokens(request.user)


def _application_with_profile(client_id: str):  # noqa: ANN202
    try:
        return get_application_model().objects.select_related("firmid_profile").filter(client_id=client_id).first()
    except ValueError:  # a client_id the database cannot even represent: no such application
        return None
