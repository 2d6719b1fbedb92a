"""Sign-in through a firm's own identity provider: identifier first, the round trip, and the way back.

1. The sign-in page's address step (`firmid.signin.login`): a domain an enabled connection
   serves, or an account of a type under SSO, goes to the firm's provider (`redirect_to_start`);
   anything else (an unknown address too) to the password step, so that this step tells an
   outsider nothing the domains don't.
2. `start`: state, nonce and PKCE verifier, kept in this browser's session, then the redirect.
3. `callback`: the state is spent once; the code is exchanged, the ID token checked
   (firmid.sso.upstream), the person resolved (firmid.sso.federation), and allauth's login
   runs with firmid's stages — then back to where the user was going, often /oauth/authorize/.
Every refusal is a page with the firm's name and a retry, and an audit row with the reason.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

from allauth.account.utils import perform_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from firmid.audit.actions import AuditAction
from firmid.audit.services import audit_record
from firmid.core import clock
from firmid.core.seams.allauth import get_authentication_records, record_authentication
from firmid.signin.destinations import next_url_demands_mfa
from firmid.signin.federation_failures import EXPIRED, NO_MFA, REFUSALS, STEP_UP_FAILED, failure, upstream_failure
from firmid.signin.views import safe_next
from firmid.sso import upstream
from firmid.sso.app_settings import sso_settings
from firmid.sso.federation import SignInRefused, UpstreamAccount, sso_user_for, upstream_account
from firmid.sso.models import SsoConnection
from firmid.sso.selectors import connection_get, identity_of, sso_redirect_uri
from firmid.sso.services import connection_secret

FLOWS = "firmid_sso_flows"
FEDERATED_METHOD = "sso"  # the session's authentication record of a sign-in through the firm's provider
MAX_PENDING_FLOWS = 5
# Set when an application asked for a fresh authentication (prompt=login, max_age, another user):
# the firm's provider is asked for one too, not only firmid.
FRESH_AUTHENTICATION = "firmid_sso_fresh_authentication"


@dataclass(frozen=True)
class Flow:
    """One round trip to the upstream, kept in the browser's session under its state."""

    connection: str
    nonce: str
    verifier: str
    next: str
    started: float
    step_up_user: int | None = None  # a signed-in user asked for MFA at the upstream


def redirect_to_start(connection: SsoConnection, *, next_url: str, **extra: str) -> HttpResponse:
    url = reverse("firmid_sso_start", kwargs={"connection": connection.public_id})
    query = {"next": next_url, **extra} if next_url else extra
    return HttpResponseRedirect(f"{url}?{urlencode(query)}")


def ask_fresh_authentication(request: HttpRequest) -> None:
    """The next round trip to the firm's provider asks it to authenticate the user anew (prompt=login)."""
    request.session[FRESH_AUTHENTICATION] = True


def step_up_through_upstream(request: HttpRequest, connection: SsoConnection) -> HttpResponse:
    """Send a signed-in federated user back to their provider for MFA, then to this request."""
    return redirect_to_start(connection, next_url=request.get_full_path(), step_up="1")


@require_GET
def start(request: HttpRequest, connection: str) -> HttpResponse:
    """Keep the round trip's secrets in this browser's session, and send it to the firm's provider."""
    found = connection_get(public_id=connection)
    if found is None or not found.enabled:
        return failure(
            request, None, reason="connection_unknown", message=_("This sign-in is not available."), status=404
        )
    next_url = safe_next(request)
    step_up = request.GET.get("step_up") == "1" and request.user.is_authenticated
    try:
        metadata = upstream.discover(found.issuer)
    except upstream.UpstreamError as error:
        return upstream_failure(request, found, error, next_url=next_url)
    state, flow = (
        secrets.token_urlsafe(32),
        Flow(
            connection=str(found.public_id),
            nonce=secrets.token_urlsafe(32),
            verifier=secrets.token_urlsafe(64),
            next=next_url,
            started=clock.timestamp(),
            step_up_user=request.user.pk if step_up else None,
        ),
    )
    _keep(request, state, flow)
    session = _client(request, found, metadata)
    params = _authorization_params(request, found, metadata, next_url=next_url, step_up=step_up)
    url = upstream.authorization_url(
        session, metadata=metadata, state=state, nonce=flow.nonce, verifier=flow.verifier, **params
    )
    return _continue_to(request, found, url)


def _continue_to(request: HttpRequest, connection: SsoConnection, url: str) -> HttpResponse:
    """A page that moves on to the provider by itself (see its template for why not a redirect)."""
    response = render(request, "firmid/signin/sso_continue.html", {"firm": connection.firm, "url": url})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _authorization_params(
    request: HttpRequest, connection: SsoConnection, metadata: upstream.Metadata, *, next_url: str, step_up: bool
) -> dict:
    """login_hint, and what the application asked of the authentication (prompt=login, max_age, MFA)."""
    params: dict[str, str] = {}
    hint = request.GET.get("login_hint", "")
    if hint and len(hint) <= 254:
        params["login_hint"] = hint
    fresh = request.session.pop(FRESH_AUTHENTICATION, False)
    asked = parse_qs(urlparse(next_url).query)
    if step_up or fresh or "login" in " ".join(asked.get("prompt", [])).split():
        params["prompt"] = "login"
    max_age = asked.get("max_age", [""])[0]
    if step_up or fresh:
        params["max_age"] = "0"
    elif max_age.isdigit():
        params["max_age"] = max_age
    wants_mfa = step_up or next_url_demands_mfa(next_url)  # the application asks it: ask the provider at once
    if wants_mfa and connection.mfa_acr and (not metadata.acr_values or connection.mfa_acr in metadata.acr_values):
        params["acr_values"] = connection.mfa_acr
    return params


def _client(request: HttpRequest, connection: SsoConnection, metadata: upstream.Metadata):  # noqa: ANN202
    return upstream.client_session(
        client_id=connection.client_id,
        client_secret=connection_secret(connection),
        redirect_uri=sso_redirect_uri(),  # the one firms register: the issuer's, whatever Host this request had
        scope=connection.scopes,
        metadata=metadata,
    )


def _keep(request: HttpRequest, state: str, flow: Flow) -> None:
    flows = {k: v for k, v in request.session.get(FLOWS, {}).items() if not _expired(v["started"])}
    flows = dict(list(flows.items())[-(MAX_PENDING_FLOWS - 1) :])
    flows[state] = flow.__dict__
    request.session[FLOWS] = flows


def _expired(started: float) -> bool:
    return clock.timestamp() - started > sso_settings.SSO_FLOW_SECONDS


def _spend(request: HttpRequest, state: str) -> Flow | None:
    """The flow of this state, removed at once: a callback is answered once (replays find nothing)."""
    flows = dict(request.session.get(FLOWS, {}))
    kept = flows.pop(state, None) if state else None
    request.session[FLOWS] = flows
    if kept is None or _expired(kept["started"]):
        return None
    return Flow(**kept)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The upstream's answer: checked, resolved to a user of this firm and type, signed in."""
    flow = _spend(request, request.GET.get("state", ""))
    connection = connection_get(public_id=flow.connection) if flow else None
    if flow is None or connection is None:
        return failure(request, connection, reason="state", message=EXPIRED, status=400)
    if not connection.enabled:  # disabled during the round trip
        message = _("%(firm)s no longer signs you in through its identity provider: sign in again.") % {
            "firm": connection.firm.name
        }
        return failure(request, connection, reason="connection_disabled", message=message, status=403)
    if "error" in request.GET:
        code = request.GET.get("error", "")[:64]
        message = _("%(firm)s's identity provider answered: %(answer)s") % {
            "firm": connection.firm.name,
            "answer": request.GET.get("error_description", code)[:200],
        }
        return failure(request, connection, reason=f"upstream_error:{code}", message=message, next_url=flow.next)
    iss = request.GET.get("iss")
    if iss is not None and iss != connection.issuer:  # RFC 9207: an answer of another provider (mix-up)
        return failure(request, connection, reason="iss_mismatch", message=EXPIRED, status=400, next_url=flow.next)
    try:
        account = _checked_account(request, connection, flow)
    except upstream.UpstreamError as error:
        return upstream_failure(request, connection, error, next_url=flow.next)
    return _sign_in(request, connection, flow, account)


def _checked_account(request: HttpRequest, connection: SsoConnection, flow: Flow) -> UpstreamAccount:
    metadata = upstream.discover(connection.issuer)
    session = _client(request, connection, metadata)
    token = upstream.exchange_code(session, metadata=metadata, code=request.GET.get("code", ""), verifier=flow.verifier)
    claims = upstream.verify_id_token(
        token["id_token"], metadata=metadata, client_id=connection.client_id, nonce=flow.nonce
    )
    userinfo = {}
    if not isinstance(claims.get("email"), str) and token.get("access_token"):
        userinfo = upstream.fetch_userinfo(metadata=metadata, access_token=token["access_token"], subject=claims["sub"])
    return upstream_account(connection=connection, claims=claims, userinfo=userinfo)


def _sign_in(request: HttpRequest, connection: SsoConnection, flow: Flow, account: UpstreamAccount) -> HttpResponse:
    firm = connection.firm.name
    if (connection.require_upstream_mfa or flow.step_up_user) and not account.did_mfa:
        message = (STEP_UP_FAILED if flow.step_up_user else NO_MFA) % {"firm": firm}
        return failure(request, connection, reason="no_upstream_mfa", message=message, next_url=flow.next)
    if flow.step_up_user is not None:  # the same person, already linked: a step-up links nobody
        identity = identity_of(issuer=account.issuer, subject=account.subject)
        if identity is None or identity.user_id != flow.step_up_user:
            return failure(request, connection, reason="step_up_other_user", message=EXPIRED, status=400)
    try:
        user = sso_user_for(connection=connection, account=account, request=request)
    except SignInRefused as refused:
        message = REFUSALS[refused.refusal] % {"firm": firm}
        return failure(
            request, connection, reason=refused.refusal.value, message=message, attempted_email=account.email
        )
    if flow.step_up_user is not None and (not request.user.is_authenticated or request.user.pk != user.pk):
        return failure(request, connection, reason="step_up_other_user", message=EXPIRED, status=400)
    _record(request, user, connection, account)
    if flow.step_up_user is not None:
        return HttpResponseRedirect(flow.next)
    return perform_login(request, user, redirect_url=flow.next)


def _record(request: HttpRequest, user, connection: SsoConnection, account: UpstreamAccount) -> None:  # noqa: ANN001
    record_authentication(
        request, user, method=FEDERATED_METHOD, connection=str(connection.public_id), issuer=account.issuer,
        amr=list(account.amr), acr=account.acr, mfa=account.did_mfa,
    )  # fmt: skip
    with transaction.atomic():
        audit_record(
            action=AuditAction.SSO_SIGN_IN, actor=user, subject=user, request=request,
            detail=f"amr {' '.join(account.amr) or '-'}; {'MFA' if account.did_mfa else 'no MFA'} at the provider",
        )  # fmt: skip


def signed_in_through_sso(request: HttpRequest) -> bool:
    """Whether this session's user signed in through their firm's provider (not with a firmid password)."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == FEDERATED_METHOD for record in records)
