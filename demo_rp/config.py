"""The demo application's settings, from environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

COOKIE_NAME = "documents_session"  # firmid's is firmid_session: both live on 127.0.0.1
SCOPES = "openid profile email"


@dataclass(frozen=True)
class Config:
    issuer: str = "http://127.0.0.1:8000"
    client_id: str = "documents-demo"
    client_secret: str = "documents-demo-secret"
    host: str = "127.0.0.1"
    port: int = 8001
    base_url: str = "http://127.0.0.1:8001"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Config:
        port = int(environ.get("DEMO_RP_PORT", "8001"))
        return cls(
            issuer=environ.get("FIRMID_ISSUER", cls.issuer).strip(),
            client_id=environ.get("DEMO_RP_CLIENT_ID", cls.client_id),
            client_secret=environ.get("DEMO_RP_CLIENT_SECRET", cls.client_secret),
            port=port,
            base_url=environ.get("DEMO_RP_BASE_URL", f"http://127.0.0.1:{port}").strip().rstrip("/"),
        )

    @property
    def discovery_url(self) -> str:
        # OpenID Connect Discovery 1.0 §4: the issuer, less any trailing slash, + the well-known path.
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.base_url}/"

    @property
    def issuer_origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")
