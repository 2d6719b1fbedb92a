"""A firm's own OpenID Connect provider for tests: demo_idp/server.mjs (oidc-provider) on loopback.

`UpstreamIdP.start()` writes a configuration and a key set to a folder, starts the provider
on a free loopback port and waits for its /health; `restart(keys=...)` keeps the port
(key rotation). `upstream_sign_in()` plays the user on its pages (email and password, then
a TOTP when asked) and stops at firmid's callback. The misbehaving upstream (a tampering
issuer in front of this one) is firmid.testing.upstream_facade.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urljoin, urlparse

import requests
from jwcrypto import jwk

from firmid.testing.forms import post_forms
from firmid.testing.nodes.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
IDP_DIR = ROOT / "demo_idp"
START_TIMEOUT = 20.0
MAX_STEPS = 12

ACR_PASSWORD = "urn:northwind:acr:password"
ACR_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"

# The test fixture's Northwind (firmid.testing.pytest_plugin: upstream_idp).
CLIENT_ID = "firmid-northwind"
CLIENT_SECRET = "northwind-secret"
CALLBACK_PATH = "/signin/sso/callback/"
# Django's test client, and FIRMID_ISSUER's default (firmid sends sso_redirect_uri(): the issuer's).
REDIRECT_URIS = (
    "http://testserver/signin/sso/callback/",
    "http://localhost/signin/sso/callback/",
    "http://127.0.0.1:8000/signin/sso/callback/",
)
PASSWORD = "demo-password"
ERIN_TOTP_SECRET = "OD7444TQHKAJRNTLYNAZVDWAJUAQYK2O"


def northwind_user(local: str, name: str, **extra: object) -> dict:
    """A user of Northwind's provider: <local>@northwind.test, password PASSWORD."""
    given, family = name.split(" ", 1)
    return {
        "sub": f"nw-{local}",
        "email": f"{local}@northwind.test",
        "email_verified": True,
        "name": name,
        "given_name": given,
        "family_name": family,
        "password": PASSWORD,
        **extra,
    }


NORTHWIND_USERS = (
    northwind_user("erin", "Erin Walsh", totp_secret=ERIN_TOTP_SECRET, mfa="always"),
    northwind_user("gina", "Gina Park"),
    northwind_user("hal", "Hal Moreau", email_verified=False),
    # A TOTP done only when the request asks the MFA acr (step-up).
    northwind_user("ivy", "Ivy Chen", totp_secret=ERIN_TOTP_SECRET, mfa="on_request"),
)


def northwind_client(*, redirect_uris: tuple[str, ...] | list[str] = ()) -> dict:
    """The client firmid is at Northwind's provider, with REDIRECT_URIS and any extra ones."""
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [*REDIRECT_URIS, *redirect_uris],
    }


def rsa_jwk(kid: str) -> dict:
    """A new private RSA signing key (RS256) as a JWK."""
    key = jwk.JWK.generate(kty="RSA", size=2048, kid=kid, alg="RS256", use="sig")
    return key.export_private(as_dict=True)


def totp_now(secret: str, *, at: float | None = None) -> str:
    """The RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret, now or `at`."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def _node_modules() -> Path:
    modules = IDP_DIR / "node_modules"
    if not (modules / "oidc-provider").is_dir():
        raise RuntimeError(
            f"{modules} is missing: run `npm ci --prefix demo_idp --no-audit --no-fund` (`make demo-idp`; make run and make test do it)."
        )
    return modules


@dataclass
class UpstreamIdP:
    """One running provider: its folder (config, keys, log), port and process."""

    work: Path
    port: int
    config: dict
    keys: list[dict]
    process: subprocess.Popen | None = None
    owns_work: bool = False
    _log: IO[str] | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls,
        *,
        users: list[dict],
        clients: list[dict],
        keys: list[dict],
        acr: dict | None = None,
        work: Path | None = None,
    ) -> UpstreamIdP:
        """Start a provider with these users, clients and private keys (the first one signs)."""
        _node_modules()
        port = free_port()
        config = {
            "name": "Northwind Partners",
            "issuer": f"http://127.0.0.1:{port}",
            "port": port,
            "keys_file": "keys.json",
            "clients": clients,
            "users": users,
            **({"acr": acr} if acr else {}),
        }
        folder = work or Path(tempfile.mkdtemp(prefix="firmid-idp."))
        idp = cls(work=folder, port=port, config=config, keys=list(keys), owns_work=work is None)
        idp._launch()
        return idp

    @property
    def issuer(self) -> str:
        return self.config["issuer"]

    @property
    def url(self) -> str:
        return self.issuer

    @property
    def acr(self) -> dict:
        return {"password": ACR_PASSWORD, "mfa": ACR_MFA, **self.config.get("acr", {})}

    def discovery(self) -> dict:
        return requests.get(f"{self.url}/.well-known/openid-configuration", timeout=10).json()

    def jwks(self) -> dict:
        """The published (public) key set."""
        return requests.get(f"{self.url}/jwks", timeout=10).json()

    def restart(self, *, keys: list[dict] | None = None) -> None:
        """Stop and start again on the same port, with new keys if given (sessions are lost)."""
        self.stop()
        if keys is not None:
            self.keys = list(keys)
        self._launch()

    def stop(self) -> None:
        """Stop the process; never raises."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process and self.process.stdin:
            self.process.stdin.close()
        if self._log:
            self._log.close()
            self._log = None

    def destroy(self) -> None:
        """Stop, and remove the folder when start() made it."""
        self.stop()
        if self.owns_work:
            shutil.rmtree(self.work, ignore_errors=True)

    def log_text(self) -> str:
        log = self.work / "idp.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def _launch(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        (self.work / "keys.json").write_text(json.dumps({"keys": self.keys}))
        (self.work / "config.json").write_text(json.dumps(self.config, indent=2))
        self._log = (self.work / "idp.log").open("a")
        self.process = subprocess.Popen(
            ["node", str(IDP_DIR / "server.mjs"), str(self.work / "config.json")],
            stdin=subprocess.PIPE,  # closed when this process ends: the provider then stops too
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, "DEMO_IDP_EXIT_WITH_STDIN": "1"},
        )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Northwind's provider did not start on {self.url}:\n{self.log_text()}")


def start_upstream(
    work: Path | None = None,
    *,
    users: list[dict] | tuple[dict, ...] = NORTHWIND_USERS,
    redirect_uris: tuple[str, ...] | list[str] = (),
    keys: list[dict] | None = None,
) -> UpstreamIdP:
    """Start Northwind's provider with the test users and client, plus extra redirect URIs."""
    return UpstreamIdP.start(
        users=list(users),
        clients=[northwind_client(redirect_uris=redirect_uris)],
        keys=keys or [rsa_jwk("northwind-1")],
        work=work,
    )


class UpstreamStopped(AssertionError):
    """The user could not get through the provider's pages: the last page is `response`."""

    def __init__(self, message: str, response: requests.Response) -> None:
        super().__init__(f"{message}: {response.status_code} {response.url}\n{response.text[:2000]}")
        self.response = response


def _page_form(page: requests.Response, step: str) -> dict | None:
    return next((form for form in post_forms(page) if urlparse(form["url"]).path.endswith(f"/{step}")), None)


def upstream_sign_in(
    authorize_url: str,
    *,
    email: str,
    password: str,
    totp_secret: str | None = None,
    stop_at: str,
    session: requests.Session | None = None,
) -> str:
    """Play the user from `authorize_url` through the provider's pages; return the redirect to `stop_at`."""
    session = session or requests.Session()
    response = session.get(authorize_url, allow_redirects=False, timeout=30)
    posted: set[str] = set()
    for _ in range(MAX_STEPS):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if target.startswith(stop_at):
                return target
            response = session.get(target, allow_redirects=False, timeout=30)
            continue
        response = _submit(session, response, email=email, password=password, totp_secret=totp_secret, posted=posted)
    raise UpstreamStopped("too many steps", response)


def _submit(
    session: requests.Session,
    page: requests.Response,
    *,
    email: str,
    password: str,
    totp_secret: str | None,
    posted: set,
) -> requests.Response:
    """Fill the login or TOTP form of `page` once; a form shown again means it was refused."""
    for step, fields in (("login", {"email": email, "password": password}), ("totp", {"code": None})):
        form = _page_form(page, step)
        if form is None:
            continue
        if step in posted:
            raise UpstreamStopped(f"the provider refused the {step} form", page)
        if step == "totp":
            if totp_secret is None:
                raise UpstreamStopped("the provider asks a TOTP code and no totp_secret was given", page)
            fields = {"code": totp_now(totp_secret)}
        posted.add(step)
        return session.post(form["url"], data={**form["fields"], **fields}, allow_redirects=False, timeout=30)
    raise UpstreamStopped("no sign-in form on the page", page)
