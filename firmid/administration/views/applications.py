"""Applications: the platform's registered OpenID Connect clients; a client secret is shown once."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from firmid.accounts.permissions import can_change_mfa, require_can_change_mfa
from firmid.administration import forms
from firmid.administration.decorators import administration_view
from firmid.administration.views.common import paginate
from firmid.core.errors import NotAllowed, ServiceError
from firmid.oidc.selectors import ApplicationSummary, application_get, application_summary, applications_list
from firmid.oidc.services import (
    application_delete,
    application_regenerate_secret,
    application_register,
    application_update,
)

APPLICATIONS_PER_PAGE = 50
SECRET_WARNING = gettext_lazy("Copy the client secret now: it is shown only once and stored hashed.")
SECTION = "applications"


@administration_view
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, applications_list(), APPLICATIONS_PER_PAGE)
    page.object_list = [application_summary(a) for a in page.object_list]
    context = {"page": page, "can_change": can_change_mfa(request.user)}
    return _render(request, "administration/application_list.html", context)


@administration_view
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = {"app": application_summary(application_get(pk=pk)), "can_change": can_change_mfa(request.user)}
    return _render(request, "administration/application_detail.html", context)


@administration_view
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest) -> HttpResponse:
    # The form is an action's page: only those who may take the action see it.
    require_can_change_mfa(request.user)
    if request.method == "GET":
        return _render_form(request, forms.ApplicationForm())
    form = forms.ApplicationForm(request.POST)
    if not form.is_valid():
        return _render_form(request, form, status=400)
    confidential = form.cleaned_data["client_type"] == "confidential"
    try:
        registration = application_register(
            actor=request.user, confidential=confidential, request=request, **form.settings()
        )
    except ServiceError as error:
        return _render_refused(request, form, error)
    return _render_secret(request, registration.application, registration.client_secret, _("Application registered"))


@administration_view
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_can_change_mfa(request.user)
    application = application_get(pk=pk)
    summary = application_summary(application)
    if request.method == "GET":
        return _render_form(request, forms.ApplicationEditForm.of(summary), summary)
    form = forms.ApplicationEditForm(request.POST)
    if not form.is_valid():
        return _render_form(request, form, summary, status=400)
    try:
        application_update(actor=request.user, application=application, request=request, **form.settings())
    except ServiceError as error:
        return _render_refused(request, form, error, summary)
    messages.success(request, _("Saved: %(name)s.") % {"name": application.name})
    return redirect("administration:application", pk=application.pk)


@administration_view
@require_http_methods(["GET", "POST"])
def application_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    require_can_change_mfa(request.user)
    application = application_get(pk=pk)
    if request.method == "GET":
        return _render_confirm(request, application_summary(application), "regenerate")
    secret = application_regenerate_secret(actor=request.user, application=application, request=request)
    return _render_secret(request, application, secret, _("New client secret"))


@administration_view
@require_http_methods(["GET", "POST"])
def application_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require_can_change_mfa(request.user)
    application = application_get(pk=pk)
    if request.method == "GET":
        return _render_confirm(request, application_summary(application), "delete")
    name = application.name
    application_delete(actor=request.user, application=application, request=request)
    messages.success(request, _("Deleted: %(name)s. Its codes and tokens are revoked.") % {"name": name})
    return redirect("administration:applications")


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, template, {**context, "section": SECTION}, status=status)


def _render_form(
    request: HttpRequest, form: forms.ApplicationForm, app: ApplicationSummary | None = None, status: int = 200
) -> HttpResponse:
    return _render(request, "administration/application_form.html", {"form": form, "app": app}, status)


def _render_refused(
    request: HttpRequest, form: forms.ApplicationForm, error: ServiceError, app: ApplicationSummary | None = None
) -> HttpResponse:
    if isinstance(error, NotAllowed):
        raise error
    form.add_error(None, error.message)
    return _render_form(request, form, app, status=error.status)


def _render_confirm(request: HttpRequest, app: ApplicationSummary, action: str) -> HttpResponse:
    return _render(request, "administration/application_confirm.html", {"app": app, "action": action})


def _render_secret(request: HttpRequest, application, secret: str | None, title: str) -> HttpResponse:  # noqa: ANN001
    """Show the client id and the secret, this once: never cached, never shown again."""
    context = {"app": application_summary(application), "secret": secret, "title": title, "warning": SECRET_WARNING}
    response = _render(request, "administration/application_secret.html", context)
    add_never_cache_headers(response)
    return response
