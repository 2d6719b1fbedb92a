"""firmid as the demo application sees it: an OpenID Connect provider found by discovery.

Everything protocol-related goes through Authlib's OAuth2Session (authorization URL with
PKCE S256, token request with client_secret_basic) and joserfc (ID token signature against
the JWKS, then its claims), as an application of the platform would do it.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from demo_rp.config import SCOPES, Config

ACR_MFA = "urn:firmid:acr:mfa"
HTTP_TIMEOUT_SECONDS = 10
CLOCK_LEEWAY_SECONDS = 60


class ProviderError(Exception):
    """firmid could not be reached, refused, or answered something a provider must not."""

    def __init__(self, title: str, detail: str, *, error: str | None = None) -> None:
        super().__init__(f"{title}: {detail}")
        self.title = title
        self.detail = detail
        self.error = error


@dataclass(frozen=True)
class Authorization:
    """A sign-in on its way: what the callback needs to finish it (kept server-side)."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class Provider:
    """Discovery and JWKS (fetched once, JWKS again when a new key appears), and the flow."""

    def __init__(self, config: Config, http: requests.Session | None = None) -> None:
        self.config = config
        self._http = http or requests.Session()
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    # --- discovery and keys ---------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                self._metadata = self._discover()
            return self._metadata

    def _discover(self) -> dict[str, Any]:
        document = self._get_json(self.config.discovery_url, "discovery document")
        # Discovery §4.3: the issuer in the document is exactly the one configured.
        if document.get("issuer") != self.config.issuer:
            raise ProviderError(
                "Wrong issuer",
                f"The discovery document names the issuer {document.get('issuer')!r}, "
                f"this application expects {self.config.issuer!r}.",
            )
        missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(k)]
        if missing:
            raise ProviderError("Incomplete discovery document", f"It lacks {', '.join(missing)}.")
        if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
            raise ProviderError("PKCE not supported", "The provider does not list S256 among its PKCE methods.")
        return document

    def keys(self, *, refresh: bool = False) -> KeySet:
        jwks_uri = self.metadata()["jwks_uri"]
        with self._lock:
            if self._keys is None or refresh:
                document = self._get_json(jwks_uri, "key set (JWKS)")
                try:
                    self._keys = KeySet.import_key_set(document)
                except (JoseError, KeyError, TypeError, ValueError) as error:
                    raise ProviderError("Unusable key set", f"The JWKS could not be read: {error}") from error
            return self._keys

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, timeout=HTTP_TIMEOUT_SECONDS)
            response.raise_for_status()
            document = response.json()
        except requests.RequestException as error:
            raise ProviderError("firmid is not reachable", f"Could not fetch the {what} at {url}: {error}") from error
        except ValueError as error:
            raise ProviderError("Unexpected answer", f"The {what} at {url} is not JSON.") from error
        if not isinstance(document, dict):
            raise ProviderError("Unexpected answer", f"The {what} at {url} is not a JSON object.")
        return document

    # --- the authorization code flow ------------------------------------------------

    def _client(self) -> OAuth2Session:
        return OAuth2Session(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            token_endpoint_auth_method="client_secret_basic",
            scope=SCOPES,
            redirect_uri=self.config.redirect_uri,
            code_challenge_method="S256",
            default_timeout=HTTP_TIMEOUT_SECONDS,
        )

    def start(self, **extra: str) -> Authorization:
        """A new authorization request: fresh state, nonce and PKCE verifier."""
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        code_verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 asks for 43 to 128
        with self._client() as client:
            url, _ = client.create_authorization_url(
                self.metadata()["authorization_endpoint"],
                state=state,
                code_verifier=code_verifier,
                nonce=nonce,
                **extra,
            )
        return Authorization(url=url, state=state, nonce=nonce, code_verifier=code_verifier)

    def exchange(self, *, code: str, code_verifier: str) -> dict[str, Any]:
        """The token request: the code and the PKCE verifier, the client authenticated by Basic."""
        token_endpoint = self.metadata()["token_endpoint"]
        with self._client() as client:
            try:
                token = client.fetch_token(
                    token_endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier
                )
            except OAuthError as error:
                raise ProviderError(
                    "The token request was refused",
                    error.description or error.error or "no description",
                    error=error.error,
                ) from error
            except requests.RequestException as error:
                raise ProviderError("firmid is not reachable", f"The token request failed: {error}") from error
            except ValueError as error:  # not JSON: an error page instead of a token response
                raise ProviderError("Unexpected answer", "The token endpoint did not answer JSON.") from error
        return dict(token)

    def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """Verify the ID token (OIDC Core 3.1.3.7) and return its claims."""
        try:
            try:
                token = jwt.decode(id_token, self.keys(), algorithms=["RS256"])
            except InvalidKeyIdError:
                # A key the cached JWKS does not have yet: the provider rotated its keys.
                token = jwt.decode(id_token, self.keys(refresh=True), algorithms=["RS256"])
            claims = token.claims
            jwt.JWTClaimsRegistry(
                leeway=CLOCK_LEEWAY_SECONDS,
                iss={"essential": True, "value": self.config.issuer},
                sub={"essential": True},
                aud={"essential": True, "value": self.config.client_id},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(claims)
        except JoseError as error:
            raise ProviderError("The ID token was rejected", f"{type(error).__name__}: {error}") from error
        except ValueError as error:  # not even a JWT
            raise ProviderError("The ID token was rejected", f"It could not be decoded: {error}") from error
        # Core 3.1.3.7 (4, 5): with several audiences, or an azp at all, azp is this client.
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.config.client_id:
            raise ProviderError("The ID token was rejected", "Its azp claim does not name this application.")
        return claims

    def end_session_url(self, *, id_token: str | None, state: str) -> str | None:
        """Where to send the browser to end the firmid session too (RP-Initiated Logout 1.0)."""
        endpoint = self.metadata().get("end_session_endpoint")
        if not endpoint:
            return None
        params = {
            "client_id": self.config.client_id,
            "post_logout_redirect_uri": self.config.post_logout_redirect_uri,
            "state": state,
        }
        if id_token:
            params["id_token_hint"] = id_token
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"
