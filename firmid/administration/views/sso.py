"""Accounting firm → SSO: each user type's connection to the firm's own identity provider."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firmid.accounts.permissions import can_change_mfa, require_can_change_mfa
from firmid.administration.decorators import administration_view
from firmid.administration.forms import SsoConnectionForm
from firmid.core.errors import NotAllowed, NotFound, ServiceError
from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.sso.selectors import (
    ConnectionStatus,
    connection_status,
    enable_impact,
    firm_connections,
    sso_redirect_uri,
)
from firmid.sso.services import (
    CLIENT_TYPES,
    sso_connection_disable,
    sso_connection_enable,
    sso_connection_save,
    sso_connection_test,
)
from firmid.sso.upstream import UpstreamError
from firmid.tenancy.labels import label
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_get

SECTION = "firms"
NO_SUCH_TYPE = gettext_lazy("No such user type.")
NOT_CONFIGURED = gettext_lazy("This user type has no SSO connection yet.")


@dataclass(frozen=True)
class SsoRow:
    """One user type of the firm on the SSO tab: its connection, if any."""

    user_type: UserType
    connection: SsoConnection | None
    status: ConnectionStatus

    @property
    def client_type(self) -> bool:
        return self.user_type in CLIENT_TYPES


@administration_view
@require_GET
def firm_sso(request: HttpRequest, pk: int) -> HttpResponse:
    firm = firm_get(pk=pk)
    connections = firm_connections(firm=firm)
    rows = [SsoRow(t, connections.get(t), connection_status(connections.get(t))) for t in UserType]
    context = {
        "firm": firm,
        "rows": rows,
        "redirect_uri": sso_redirect_uri(),
        "can_change": can_change_mfa(request.user),
    }
    return _render(request, "administration/firm_sso.html", context)


@administration_view
@require_http_methods(["GET", "POST"])
def firm_sso_edit(request: HttpRequest, pk: int, user_type: str) -> HttpResponse:
    # The form is an action's page: only those who may take the action see it.
    require_can_change_mfa(request.user)
    firm, kind = firm_get(pk=pk), _user_type(user_type)
    connection = firm_connections(firm=firm).get(kind)
    if request.method == "GET":
        form = SsoConnectionForm.of(connection) if connection else SsoConnectionForm(firm=firm, user_type=kind)
        return _render_form(request, firm, kind, form, connection)
    form = SsoConnectionForm(request.POST, firm=firm, user_type=kind)
    if not form.is_valid():
        return _render_form(request, firm, kind, form, connection, status=400)
    try:
        saved = sso_connection_save(
            firm=firm, user_type=kind, values=form.settings(), actor=request.user, request=request
        )
    except NotAllowed:
        raise
    except ServiceError as error:
        form.add_error(None, error.message)
        return _render_form(request, firm, kind, form, connection, status=400)
    messages.success(request, _saved_message(saved))
    return redirect("administration:firm_sso", pk=firm.pk)


def _saved_message(connection: SsoConnection) -> str:
    names = {"type": label(connection.type)}
    if connection.enabled:
        return _("Saved the SSO connection of %(type)s.") % names
    return _("Saved the SSO connection of %(type)s. It stays disabled until you enable it.") % names


@administration_view
@require_POST
def firm_sso_test(request: HttpRequest, pk: int, user_type: str) -> HttpResponse:
    connection = _connection(pk, user_type)
    try:
        checks = sso_connection_test(connection=connection, actor=request.user, request=request)
    except UpstreamError as error:
        messages.error(request, _("Test connection failed: %(reason)s") % {"reason": error.message})
    else:
        messages.success(request, _("Test connection passed for %(type)s.") % {"type": label(connection.type)})
        for check in checks:
            messages.success(request, check)
    return redirect("administration:firm_sso", pk=connection.firm_id)


@administration_view
@require_http_methods(["GET", "POST"])
def firm_sso_enable(request: HttpRequest, pk: int, user_type: str) -> HttpResponse:
    return _switch(request, _connection(pk, user_type), "enable")


@administration_view
@require_http_methods(["GET", "POST"])
def firm_sso_disable(request: HttpRequest, pk: int, user_type: str) -> HttpResponse:
    return _switch(request, _connection(pk, user_type), "disable")


# Each switch's service; `_switched` says what it did.
SWITCHES = {"enable": sso_connection_enable, "disable": sso_connection_disable}


def _switched(action: str, connection: SsoConnection, ended: int) -> str:
    names = {"type": label(connection.type), "count": ended}
    if action == "enable":
        return (
            ngettext(
                "SSO enabled for %(type)s: password sessions and tokens ended for %(count)s user.",
                "SSO enabled for %(type)s: password sessions and tokens ended for %(count)s users.",
                ended,
            )
            % names
        )
    return (
        ngettext(
            "SSO disabled for %(type)s: firmid passwords apply again, for %(count)s user.",
            "SSO disabled for %(type)s: firmid passwords apply again, for %(count)s users.",
            ended,
        )
        % names
    )


def _switch(request: HttpRequest, connection: SsoConnection, action: str) -> HttpResponse:
    """Show the Confirm page (GET), or turn the connection on or off (POST, once confirmed)."""
    require_can_change_mfa(request.user)
    if request.method == "GET":
        return _render_confirm(request, connection, action)
    service = SWITCHES[action]
    try:
        ended = service(connection=connection, actor=request.user, request=request)
    except NotAllowed:
        raise
    except ServiceError as error:
        return _render_confirm(request, connection, action, error=error.message)
    messages.success(request, _switched(action, connection, ended))
    return redirect("administration:firm_sso", pk=connection.firm_id)


def _user_type(slug: str) -> UserType:
    try:
        return UserType(slug)
    except ValueError:
        raise NotFound(NO_SUCH_TYPE) from None


def _connection(pk: int, slug: str) -> SsoConnection:
    connection = firm_connections(firm=firm_get(pk=pk)).get(_user_type(slug))
    if connection is None:
        raise NotFound(NOT_CONFIGURED)
    return connection


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, template, {**context, "section": SECTION}, status=status)


def _render_form(
    request: HttpRequest,
    firm: Firm,
    user_type: UserType,
    form: SsoConnectionForm,
    connection: SsoConnection | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "firm": firm,
        "user_type": user_type,
        "form": form,
        "connection": connection,
        "redirect_uri": sso_redirect_uri(),
    }
    return _render(request, "administration/firm_sso_form.html", context, status)


def _render_confirm(request: HttpRequest, connection: SsoConnection, action: str, error: str = "") -> HttpResponse:
    users, with_mfa = enable_impact(connection=connection)
    context = {
        "firm": connection.firm,
        "connection": connection,
        "action": action,
        "users": users,
        "with_mfa": with_mfa,
        "error": error,
    }
    return _render(request, "administration/firm_sso_confirm.html", context, 400 if error else 200)
