"""firmid as the demo application sees it: an OpenID Connect provider found by discovery.

Everything protocol-related goes through Authlib's OAuth2Session (authorization URL with
PKCE S256, token request with client_secret_basic) and joserfc (ID token signature against
the JWKS, then its claims), as an application of the platform would do it.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from gettext import NullTranslations
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from demo_rp.config import SCOPES, Config
from demo_rp.i18n import gettext_noop

ACR_MFA = "urn:firmid:acr:mfa"
UNREACHABLE = gettext_noop("firmid is not reachable")
UNEXPECTED = gettext_noop("Unexpected answer")
REJECTED = gettext_noop("The ID token was rejected")
HTTP_TIMEOUT_SECONDS = 10
CLOCK_LEEWAY_SECONDS = 60


class ProviderError(Exception):
    """firmid could not be reached, refused, or answered something a provider must not.

    `title` and `detail` are English msgids (`detail` with `values` filled in), translated
    into the page's language by `translated()`: the provider is shared by every request.
    """

    def __init__(self, title: str, detail: str, *, error: str | None = None, **values: object) -> None:
        self.title = title
        self.detail = detail % values if values else detail
        super().__init__(f"{title}: {self.detail}")
        self.error = error
        self._detail = detail
        self._values = values

    def translated(self, t: NullTranslations) -> tuple[str, str]:
        """The title and the detail in the language of `t`."""
        values = {k: t.gettext(v.text) if isinstance(v, Words) else v for k, v in self._values.items()}
        detail = t.gettext(self._detail)
        return t.gettext(self.title), detail % values if values else detail


@dataclass(frozen=True)
class Words:
    """Words inside a message that are translated with it."""

    text: str

    def __str__(self) -> str:
        return self.text


DISCOVERY_DOCUMENT = Words(gettext_noop("the discovery document"))
KEY_SET = Words(gettext_noop("the key set (JWKS)"))


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
        document = self._get_json(self.config.discovery_url, DISCOVERY_DOCUMENT)
        # Discovery §4.3: the issuer in the document is exactly the one configured.
        if document.get("issuer") != self.config.issuer:
            raise ProviderError(
                gettext_noop("Wrong issuer"),
                gettext_noop(
                    "The discovery document names the issuer %(found)s, this application expects %(expected)s."
                ),
                found=repr(document.get("issuer")),
                expected=repr(self.config.issuer),
            )
        missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(k)]
        if missing:
            raise ProviderError(
                gettext_noop("Incomplete discovery document"),
                gettext_noop("It lacks %(fields)s."),
                fields=", ".join(missing),
            )
        if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
            raise ProviderError(
                gettext_noop("PKCE not supported"),
                gettext_noop("The provider does not list S256 among its PKCE methods."),
            )
        return document

    def keys(self, *, refresh: bool = False) -> KeySet:
        jwks_uri = self.metadata()["jwks_uri"]
        with self._lock:
            if self._keys is None or refresh:
                document = self._get_json(jwks_uri, KEY_SET)
                try:
                    self._keys = KeySet.import_key_set(document)
                except (JoseError, KeyError, TypeError, ValueError) as error:
                    raise ProviderError(
                        gettext_noop("Unusable key set"),
                        gettext_noop("The JWKS could not be read: %(error_text)s"),
                        error_text=str(error),
                    ) from error
            return self._keys

    def _get_json(self, url: str, what: Words) -> dict[str, Any]:
        try:
            response = self._http.get(url, timeout=HTTP_TIMEOUT_SECONDS)
            response.raise_for_status()
            document = response.json()
        except requests.RequestException as error:
            raise ProviderError(
                UNREACHABLE, gettext_noop("Could not fetch %(what)s at %(url)s: %(error_text)s"), what=what, url=url,
                error_text=str(error),
            ) from error  # fmt: skip
        except ValueError as error:
            raise ProviderError(
                UNEXPECTED, gettext_noop("At %(url)s, %(what)s is not JSON."), what=what, url=url
            ) from error
        if not isinstance(document, dict):
            raise ProviderError(
                UNEXPECTED, gettext_noop("At %(url)s, %(what)s is not a JSON object."), what=what, url=url
            )
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
                    gettext_noop("The token request was refused"),
                    "%(description)s",  # firmid's own words
                    error=error.error,
                    description=error.description or error.error or "-",
                ) from error
            except requests.RequestException as error:
                raise ProviderError(
                    UNREACHABLE, gettext_noop("The token request failed: %(error_text)s"), error_text=str(error)
                ) from error
            except ValueError as error:  # not JSON: an error page instead of a token response
                raise ProviderError(UNEXPECTED, gettext_noop("The token endpoint did not answer JSON.")) from error
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
            raise ProviderError(
                REJECTED, "%(kind)s: %(error_text)s", kind=type(error).__name__, error_text=str(error)
            ) from error
        except ValueError as error:  # not even a JWT
            raise ProviderError(
                REJECTED, gettext_noop("It could not be decoded: %(error_text)s"), error_text=str(error)
            ) from error
        # Core 3.1.3.7 (4, 5): with several audiences, or an azp at all, azp is this client.
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.config.client_id:
            raise ProviderError(REJECTED, gettext_noop("Its azp claim does not name this application."))
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
