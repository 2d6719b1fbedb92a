"""Input of the Administration application: search boxes and filters, applications, SSO connections.

The MFA settings of the Authentication and security tab are read by `security_form`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from firmid.administration.selectors import SSO_ENABLED, SSO_NONE
from firmid.oidc.selectors import ApplicationSummary
from firmid.oidc.services import SCOPES
from firmid.policy import MfaLevel, Status, UserType
from firmid.sso.models import DEFAULT_SCOPES, PAPE_MULTI_FACTOR, SsoConnection
from firmid.sso.services import CLIENT_TYPES as SSO_CLIENT_TYPES
from firmid.sso.services import ConnectionSettings
from firmid.tenancy.labels import LABELS
from firmid.tenancy.models import ClientCompany, Firm
from firmid.tenancy.selectors import MAX_PK

CONFIRMED = "confirmed"
PREVIEW = "preview"


def _choices(members: tuple, everything: str) -> list[tuple[str, object]]:
    """A filter's choices: "" for everything, then each member by its label in the agent's language."""
    return [("", everything), *((member.value, LABELS[member]) for member in members)]


class FilterForm(forms.Form):
    """A GET form of filters: labels without a colon (the page lays them out above their field)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class FirmSearchForm(FilterForm):
    """The firm list's search box and filters; a bad value is ignored, never an error."""

    q = forms.CharField(required=False, max_length=200, label=_("Firm name"))
    user_type = forms.ChoiceField(
        required=False, label=_("User type"), choices=_choices(tuple(UserType), _("Every user type"))
    )
    level = forms.ChoiceField(required=False, label=_("MFA level"), choices=_choices(tuple(MfaLevel), _("Any level")))
    sso = forms.ChoiceField(
        required=False,
        label=_("SSO"),
        choices=[("", _("With or without SSO")), (SSO_ENABLED, _("SSO enabled")), (SSO_NONE, _("No SSO"))],
    )


class UserSearchForm(FilterForm):
    """A user list's search box and filters; a bad value is ignored, never an error."""

    q = forms.CharField(required=False, max_length=200, label=_("Email or name"))
    firm = forms.IntegerField(required=False, min_value=1, max_value=MAX_PK, label=_("Accounting firm"))
    company = forms.IntegerField(required=False, min_value=1, max_value=MAX_PK, label=_("Client company"))
    user_type = forms.ChoiceField(
        required=False, label=_("User type"), choices=_choices(tuple(UserType), _("Every user type"))
    )
    status = forms.ChoiceField(required=False, label=_("MFA status"), choices=_choices(tuple(Status), _("Any status")))


@dataclass(frozen=True)
class SearchTerms:
    query: str = ""
    firm_id: int | None = None
    company_id: int | None = None
    user_type: UserType | None = None
    level: MfaLevel | None = None
    sso: str = ""
    status: Status | None = None

    @property
    def filtered(self) -> bool:
        """Something narrows the list beyond the search box."""
        return any((self.firm_id, self.company_id, self.user_type, self.level, self.sso, self.status))


def search_terms(form: forms.Form) -> SearchTerms:
    """Return the valid search terms; an invalid one (say firm=abc) is ignored, not an error."""
    form.is_valid()
    data = form.cleaned_data

    def member(name: str, enum: type) -> object:
        return enum(data[name]) if data.get(name) else None

    return SearchTerms(
        query=data.get("q") or "",
        firm_id=data.get("firm"),
        company_id=data.get("company"),
        user_type=member("user_type", UserType),
        level=member("level", MfaLevel),
        sso=data.get("sso") or "",
        status=member("status", Status),
    )


def is_confirmed(data: QueryDict) -> bool:
    return data.get(CONFIRMED) == "1"


def is_preview(data: QueryDict) -> bool:
    return PREVIEW in data


CLIENT_TYPES = [
    ("confidential", _("Confidential (a server-side application that keeps a secret)")),
    ("public", _("Public (a browser or mobile application: no secret, PKCE only)")),
]


class ApplicationForm(forms.Form):
    """An application's settings as posted; the rules they must follow are the services'."""

    name = forms.CharField(required=False, label=_("Name"))
    home_url = forms.CharField(required=False, label=_("Home URL"))
    redirect_uris = forms.CharField(
        required=False,
        label=_("Redirect URIs"),
        help_text=_("One exact URL per line: no wildcard, no fragment."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    post_logout_redirect_uris = forms.CharField(
        required=False,
        label=_("Post-logout redirect URIs"),
        help_text=_("Optional. One exact URL per line: no wildcard, no fragment."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    allowed_origins = forms.CharField(
        required=False,
        label=_("Allowed origins (single-page applications)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Optional. One origin per line, scheme://host[:port] with no path (https; http for localhost "
            "only): the pages from which a browser application may call the token, UserInfo and revocation endpoints."
        ),
    )
    client_type = forms.ChoiceField(
        choices=CLIENT_TYPES, initial="confidential", widget=forms.RadioSelect, label=_("Client type")
    )
    user_types = forms.MultipleChoiceField(
        required=False,
        label=_("User types"),
        choices=[(t.value, LABELS[t]) for t in UserType],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: every user type may sign in."),
    )
    scopes = forms.MultipleChoiceField(
        required=False,
        label=_("Scopes"),
        choices=[(s, s) for s in SCOPES],
        initial=list(SCOPES),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("openid is required."),
    )
    require_mfa = forms.BooleanField(required=False, label=_("Require MFA for this application"))

    def settings(self) -> dict:
        """Return the cleaned input as the services' keyword arguments (the client type aside)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "home_url": data["home_url"],
            "redirect_uris": data["redirect_uris"].splitlines(),
            "post_logout_redirect_uris": data["post_logout_redirect_uris"].splitlines(),
            "user_types": data["user_types"],
            "allowed_scopes": data["scopes"],
            "require_mfa": data["require_mfa"],
            "allowed_origins": data["allowed_origins"].splitlines(),
        }


class ApplicationEditForm(ApplicationForm):
    """The same settings, but the client type is fixed at registration."""

    client_type = None

    @classmethod
    def of(cls, summary: ApplicationSummary) -> ApplicationEditForm:
        return cls(
            initial={
                "name": summary.name,
                "home_url": summary.home_url,
                "redirect_uris": "\n".join(summary.redirect_uris),
                "post_logout_redirect_uris": "\n".join(summary.post_logout_redirect_uris),
                "user_types": [t.value for t in summary.user_types],
                "scopes": summary.scopes,
                "require_mfa": summary.require_mfa,
                "allowed_origins": "\n".join(summary.allowed_origins),
            }
        )


class SsoConnectionForm(forms.Form):
    """A user type's SSO connection as posted; the rules it must follow are the services'.

    The client secret is never rendered back: left empty it keeps the stored one.
    """

    issuer = forms.CharField(
        max_length=500,
        label=_("Issuer"),
        help_text=_("The provider's issuer URL (https): firmid reads its /.well-known/openid-configuration."),
    )
    client_id = forms.CharField(max_length=255, label=_("Client ID"))
    client_secret = forms.CharField(
        required=False,
        strip=False,
        label=_("Client secret"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again."),
    )
    scopes = forms.CharField(
        max_length=255,
        initial=DEFAULT_SCOPES,
        label=_("Scopes"),
        help_text=_("Separated by spaces; openid is required."),
    )
    email_domains = forms.CharField(
        required=False,
        label=_("Email domains"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line: addresses of these domains sign in through this provider. "
            "A domain belongs to one connection only."
        ),
    )
    create_users = forms.BooleanField(required=False, label=_("Create users at first sign-in"))
    require_upstream_mfa = forms.BooleanField(required=False, label=_("Require MFA at the firm's identity provider"))
    mfa_acr = forms.CharField(
        required=False,
        max_length=255,
        initial=PAPE_MULTI_FACTOR,
        label=_("acr value that means MFA"),
        help_text=_("The acr the provider sends when the user did MFA (its amr is read too)."),
    )
    client_company = forms.ModelChoiceField(
        required=False,
        queryset=ClientCompany.objects.none(),
        label=_("Client company"),
        help_text=_("Where the users created at first sign-in belong."),
        empty_label=_("None"),
    )

    def __init__(self, *args: object, firm: Firm, user_type: UserType, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if user_type in SSO_CLIENT_TYPES:
            self.fields["client_company"].queryset = firm.client_companies.all()
        else:
            del self.fields["client_company"]

    @classmethod
    def of(cls, connection: SsoConnection) -> SsoConnectionForm:
        """The form filled with the connection's settings, the secret aside."""
        names = ("issuer", "client_id", "scopes", "create_users", "require_upstream_mfa", "mfa_acr")
        initial = {name: getattr(connection, name) for name in names}
        initial |= {"email_domains": "\n".join(connection.email_domains), "client_company": connection.client_company}
        return cls(initial=initial, firm=connection.firm, user_type=connection.type)

    def settings(self) -> ConnectionSettings:
        """Return the cleaned input as the services take it; an empty secret keeps the stored one."""
        data = self.cleaned_data
        return ConnectionSettings(
            issuer=data["issuer"].strip(),
            client_id=data["client_id"].strip(),
            client_secret=data["client_secret"] or None,
            scopes=" ".join(data["scopes"].split()),
            email_domains=data["email_domains"].replace(",", "\n").splitlines(),
            create_users=data["create_users"],
            require_upstream_mfa=data["require_upstream_mfa"],
            client_company=data.get("client_company"),
            mfa_acr=data["mfa_acr"].strip(),
        )
