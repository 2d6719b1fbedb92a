"""The demo application as a WSGI callable: Sign in, the callback, the claims page, Sign out."""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from gettext import NullTranslations
from typing import Any
from urllib.parse import parse_qs

from demo_rp import html, i18n
from demo_rp.config import COOKIE_NAME, Config
from demo_rp.i18n import gettext_noop
from demo_rp.provider import ACR_MFA, Provider, ProviderError
from demo_rp.sessions import Session, SessionStore

log = logging.getLogger("demo_rp")

MAX_QUERY_CHARS = 8192
MAX_BODY_BYTES = 4096
MAX_FIELDS = 50

REASONS = {
    200: "OK",
    302: "Found",
    303: "See Other",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


# The pages the language switch may send back to (never an address given from outside).
PAGES = ("/", "/claims", "/logout")


class BadRequest(Exception):
    """A request Documents cannot read: its message is an English msgid, translated on the page."""

    def __init__(self, message: str, **values: str) -> None:
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values

    def translated(self, t: NullTranslations) -> str:
        message = t.gettext(self.message)
        return message % self.values if self.values else message


class Request:
    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.path = environ.get("PATH_INFO", "") or "/"
        self.cookies = _cookies(environ.get("HTTP_COOKIE", ""))
        self.query = _parse(environ.get("QUERY_STRING", ""))

    def form(self) -> dict[str, list[str]]:
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise BadRequest(gettext_noop("Malformed Content-Length.")) from None
        if length > MAX_BODY_BYTES:
            raise BadRequest(gettext_noop("The form is too large."))
        body = self.environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            return _parse(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise BadRequest(gettext_noop("The form is not UTF-8.")) from None


def one(params: dict[str, list[str]], name: str) -> str | None:
    """A parameter given at most once (RFC 6749 §3.1: parameters must not be repeated)."""
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(gettext_noop("The parameter %(name)s is repeated."), name=name)
    return values[0]


def _parse(text: str) -> dict[str, list[str]]:
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(gettext_noop("The request's parameters are too long."))
    try:
        return parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise BadRequest(gettext_noop("Too many parameters.")) from None


def language_of(environ: dict[str, Any]) -> str:
    """The request's language: the switch's cookie, else the browser's Accept-Language."""
    cookie = _cookies(environ.get("HTTP_COOKIE", "")).get(i18n.COOKIE_NAME)
    return i18n.language_of(cookie=cookie, accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""))


def _cookies(header: str) -> dict[str, str]:
    # By hand, not http.cookies: firmid's cookies share the host and one odd cookie must
    # not hide ours.
    found: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip().strip('"')
    return found


@dataclass
class Response:
    status: int = 200
    body: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, "", [("Location", location)])


class Context:
    """One request: its session (made only when something must be kept) and cookie changes."""

    def __init__(self, request: Request, store: SessionStore, language: str) -> None:
        self.request = request
        self.store = store
        self.language = language
        self.t = i18n.translation(language)
        self.set_language: str | None = None
        self.session: Session | None = store.get(request.cookies.get(COOKIE_NAME))
        self._cookie_in = self.session.id if self.session else None

    def ensure_session(self) -> Session:
        if self.session is None:
            self.session = self.store.create()
        return self.session

    def end_session(self) -> None:
        if self.session is not None:
            self.store.discard(self.session)
            self.session = None

    def language_cookie_header(self, secure: bool) -> str | None:
        if self.set_language is None:
            return None
        flags = "; Path=/; Max-Age=31536000; SameSite=Lax" + ("; Secure" if secure else "")
        return f"{i18n.COOKIE_NAME}={self.set_language}{flags}"

    def cookie_header(self, secure: bool) -> str | None:
        sent = self.request.cookies.get(COOKIE_NAME)
        flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
        if self.session is not None and self.session.id != sent:
            return f"{COOKIE_NAME}={self.session.id}{flags}"
        if self.session is None and sent:
            return f"{COOKIE_NAME}={flags}; Max-Age=0"
        return None


class DocumentsApp:
    def __init__(
        self,
        config: Config,
        provider: Provider | None = None,
        store: SessionStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.provider = provider or Provider(config)
        self.store = store or SessionStore(clock)
        self.clock = clock
        self.routes: dict[str, dict[str, Callable[[Context], Response]]] = {
            "/": {"GET": self.home},
            "/login": {"GET": self.login, "POST": self.login},
            "/callback": {"GET": self.callback},
            "/claims": {"GET": self.claims},
            "/logout": {"GET": self.logout_page, "POST": self.logout},
            "/language": {"POST": self.choose_language},
        }

    # --- WSGI -----------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        context: Context | None = None
        language = language_of(environ)
        t = i18n.translation(language)
        _ = t.gettext
        try:
            request = Request(environ)
            context = Context(request, self.store, language)
            response = self.dispatch(context)
        except BadRequest as error:
            response = self.problem(context, 400, _("Bad request"), error.translated(t), language=language)
        except Exception:
            log.exception("Unexpected error in the demo application")
            response = self.problem(
                context,
                500,
                _("Something went wrong"),
                _("The demo application met an unexpected error; its console shows the details."),
                language=language,
            )
        return self._send(response, context, start_response)

    def dispatch(self, context: Context) -> Response:
        _ = context.t.gettext
        methods = self.routes.get(context.request.path)
        if methods is None:
            return self.problem(context, 404, _("Not found"), _("There is no such page in Documents."))
        handler = methods.get(context.request.method)
        if handler is None:
            response = self.problem(context, 405, _("Method not allowed"), _("This page does not take that method."))
            response.headers.append(("Allow", ", ".join(methods)))
            return response
        return handler(context)

    def _send(self, response: Response, context: Context | None, start_response: Callable[..., Any]) -> list[bytes]:
        body = response.body.encode("utf-8")
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            (
                "Content-Security-Policy",
                f"default-src 'none'; style-src {html.STYLE_SOURCE}; base-uri 'none'; frame-ancestors 'none'; "
                f"form-action 'self' {self.config.issuer_origin}",
            ),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            *response.headers,
        ]
        cookie = context.cookie_header(self.config.secure_cookies) if context else None
        if cookie:
            headers.append(("Set-Cookie", cookie))
        chosen = context.language_cookie_header(self.config.secure_cookies) if context else None
        if chosen:
            headers.append(("Set-Cookie", chosen))
        start_response(f"{response.status} {REASONS.get(response.status, 'Unknown')}", headers)
        return [body]

    def page(
        self, context: Context | None, title: str, body: str, status: int = 200, *, language: str = i18n.DEFAULT
    ) -> Response:
        session = context.session if context else None
        user = session.user if session else None
        language = context.language if context else language
        path = context.request.path if context and context.request.path in PAGES else "/"
        return Response(
            status,
            html.layout(
                i18n.translation(language),
                language,
                title,
                body,
                user=user,
                csrf_token=session.csrf_token if session else "",
                path=path,
            ),
        )

    def problem(
        self,
        context: Context | None,
        status: int,
        title: str,
        detail: str,
        error: str | None = None,
        *,
        language: str = i18n.DEFAULT,
    ) -> Response:
        language = context.language if context else language
        body = html.problem(i18n.translation(language), title, detail, error=error)
        return self.page(context, f"{title} — Documents", body, status, language=language)

    # --- pages ----------------------------------------------------------------------

    def home(self, context: Context) -> Response:
        session = context.session
        notice = None
        state = one(context.request.query, "state")
        if session is not None and state and session.logout_state and hmac.compare_digest(state, session.logout_state):
            session.logout_state = None
            notice = context.t.gettext("You are signed out of Documents and of firmid.")
        user = session.user if session else None
        return self.page(
            context, "Documents", html.home(context.t, user=user, notice=notice, issuer=self.config.issuer)
        )

    def login(self, context: Context) -> Response:
        params = context.request.form() if context.request.method == "POST" else context.request.query
        # The language firmid's pages should speak (OIDC Core 3.1.2.1); firmid may ignore it.
        extra = {"ui_locales": context.language}
        mfa_required = one(params, "acr") == "mfa"
        if mfa_required:
            extra["acr_values"] = ACR_MFA
        try:
            authorization = self.provider.start(**extra)
        except ProviderError as error:
            return self.problem(context, 502, *error.translated(context.t))
        session = context.ensure_session()
        session.add_pending(
            authorization.state,
            {"nonce": authorization.nonce, "code_verifier": authorization.code_verifier, "mfa_required": mfa_required},
            self.clock(),
        )
        return Response.redirect(authorization.url, 303 if context.request.method == "POST" else 302)

    def callback(self, context: Context) -> Response:
        _ = context.t.gettext
        failed = _("Sign-in did not complete")
        query = context.request.query
        state = one(query, "state")
        session = context.session
        pending = session.take_pending(state, self.clock()) if session and state else None
        error = one(query, "error")
        if error and pending is not None:
            # firmid said no (access_denied, login_required, interaction_required…).
            description = one(query, "error_description") or _("firmid did not say why.")
            answered = _("firmid answered: %(description)s") % {"description": description[:300]}
            return self.problem(context, 400, failed, answered, error=error[:100])
        if pending is None:
            # Not an answer to a sign-in of this browser: nothing of it is shown (a forged
            # link must not put its own words on this page).
            return self.problem(
                context,
                400,
                failed,
                _(
                    "This answer does not belong to a sign-in started in this browser, or it came too late "
                    "(unknown or expired state). Please sign in again."
                ),
            )
        try:
            metadata = self.provider.metadata()
            # RFC 9207: the answer names its issuer; a mix-up would name another one.
            iss = one(query, "iss")
            if (
                iss is not None or metadata.get("authorization_response_iss_parameter_supported")
            ) and iss != self.config.issuer:
                return self.problem(context, 400, failed, _("The answer does not come from the expected issuer (iss)."))
            code = one(query, "code")
            if not code:
                return self.problem(context, 400, failed, _("The answer carries no code."))
            tokens = self.provider.exchange(code=code, code_verifier=pending["code_verifier"])
            id_token = tokens.get("id_token")
            if not isinstance(id_token, str):
                return self.problem(context, 502, failed, _("firmid returned no ID token."))
            claims = self.provider.verify_id_token(id_token, nonce=pending["nonce"])
        except ProviderError as failure:
            return self.problem(context, 502, *failure.translated(context.t), error=failure.error)
        if pending["mfa_required"] and claims.get("acr") != ACR_MFA:
            return self.problem(
                context,
                403,
                failed,
                _("Documents asked for a second factor and firmid's answer does not show one."),
            )
        session = self.store.cycle(session)  # a new session id at sign-in
        session.user, session.id_token = claims, id_token
        log.info("Signed in: sub=%s amr=%s acr=%s", claims.get("sub"), claims.get("amr"), claims.get("acr"))
        return Response.redirect("/claims")

    def claims(self, context: Context) -> Response:
        session = context.session
        if session is None or session.user is None:
            return Response.redirect("/")
        title = context.t.gettext("Your ID token — Documents")
        return self.page(context, title, html.claims(context.t, session.user))

    def logout_page(self, context: Context) -> Response:
        session = context.session
        if session is None or session.user is None:
            return Response.redirect("/")
        body = html.sign_out(context.t, session.csrf_token)
        return self.page(context, context.t.gettext("Sign out — Documents"), body)

    def logout(self, context: Context) -> Response:
        session = context.session
        if session is None or session.user is None:
            return Response.redirect("/", 303)
        token = one(context.request.form(), "csrf_token") or ""
        if not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
            _ = context.t.gettext
            return self.problem(
                context, 403, _("Sign-out not confirmed"), _("This form has expired; please try again.")
            )
        id_token = session.id_token
        context.end_session()
        state = secrets.token_urlsafe(32)  # firmid sends it back to "/": the notice shows then
        context.ensure_session().logout_state = state
        try:
            url = self.provider.end_session_url(id_token=id_token, state=state)
        except ProviderError as error:
            url = None
            log.warning("RP-initiated logout not possible: %s", error)
        if url is None:
            return self.page(
                context,
                "Documents",
                html.home(
                    context.t,
                    user=None,
                    notice=context.t.gettext(
                        "You are signed out of Documents (firmid's session could not be ended from here)."
                    ),
                    issuer=self.config.issuer,
                ),
            )
        return Response.redirect(url, 303)

    def choose_language(self, context: Context) -> Response:
        """The switch: keep the language in a cookie, then back to the page it was on.

        No form token: a forged switch only changes the language of the pages.
        """
        form = context.request.form()
        language = i18n.supported(one(form, "language"))
        if language is None:
            raise BadRequest(gettext_noop("Choose English or French."))
        context.set_language = context.language = language
        context.t = i18n.translation(language)
        back = one(form, "next")
        return Response.redirect(back if back in PAGES else "/", 303)
