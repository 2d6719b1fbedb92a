"""The whole flow driven by openid-client (Node.js, from npm), a second independent RP library.

tests/clients/node/flow.mjs builds the authorization URL (its own PKCE, state, nonce) and
prints it; this test signs the user in with requests (tests/clients/browserless.py) and
feeds the callback URL back on the script's stdin; the script does the rest (code grant
with ID token verification against the JWKS, UserInfo, refresh, revocation) and prints
what it saw. `make test` installs the script's dependencies (`npm ci`, package-lock.json).
"""

from __future__ import annotations

import json
import selectors
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from . import browserless

NODE_PROJECT = Path(__file__).parent / "node"
TIMEOUT_SECONDS = 60


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            raise AssertionError(f"flow.mjs printed nothing in {timeout} s")
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=10)
        raise AssertionError(f"flow.mjs ended ({process.returncode}): {process.stderr.read()}")
    return line


@pytest.fixture
def node() -> str:
    node = shutil.which("node")
    assert node, "Node.js is needed for the openid-client test (.ci/run installs it)"
    assert (NODE_PROJECT / "node_modules" / "openid-client").is_dir(), (
        f"run `npm ci --prefix {NODE_PROJECT}` first (`make test` does)"
    )
    return node


def test_openid_client_code_flow_with_pkce_refresh_and_revocation(node, relying_party, alice, password) -> None:
    rp = relying_party
    settings = {
        "issuer": rp.issuer,
        "client_id": rp.client_id,
        "client_secret": rp.client_secret,
        "redirect_uri": rp.redirect_uri,
    }
    process = subprocess.Popen(
        [node, str(NODE_PROJECT / "flow.mjs"), json.dumps(settings)],
        cwd=NODE_PROJECT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        authorization_url = json.loads(_read_line(process, TIMEOUT_SECONDS))["authorization_url"]
        callback = browserless.sign_in(
            authorization_url, email=alice.email, password=password, redirect_uri=rp.redirect_uri
        )
        process.stdin.write(callback + "\n")
        process.stdin.flush()
        result = json.loads(_read_line(process, TIMEOUT_SECONDS))
        assert process.wait(timeout=TIMEOUT_SECONDS) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()

    # openid-client verified the signature (JWKS), iss, aud, exp, iat and nonce; state and iss too.
    assert result["id_token_header"]["alg"] == "RS256"
    claims = result["claims"]
    assert claims["iss"] == rp.issuer and claims["aud"] == rp.client_id
    assert isinstance(claims["sub"], str) and str(uuid.UUID(claims["sub"])) == claims["sub"]  # not an integer
    assert claims["sub"] == str(alice.public_id)
    assert isinstance(claims["auth_time"], int) and claims["auth_time"] <= claims["iat"]
    assert claims["amr"] == ["pwd"] and claims["acr"] == "urn:firmid:acr:pwd"
    assert claims["email"] == alice.email and claims["user_type"] == "practitioners"
    assert result["userinfo"]["sub"] == claims["sub"] and result["userinfo"]["email"] == alice.email
    assert result["token_type"].lower() == "bearer" and set(result["scope"].split()) == {"openid", "profile", "email"}
    # Refresh rotates; the revoked access token is refused; the replayed old refresh token is
    # refused and revokes its family, so the new refresh token stops working as well.
    assert result["refresh_rotated"] and result["renewed_userinfo_sub"] == claims["sub"]
    assert result["userinfo_error_after_revocation"] == "OAUTH_WWW_AUTHENTICATE_CHALLENGE"  # 401, invalid_token
    assert result["replay_error"] == "invalid_grant" and result["after_replay_error"] == "invalid_grant"
