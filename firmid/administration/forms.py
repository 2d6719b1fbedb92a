"""Input of the Administration application: search boxes, applications, SSO connections (MFA settings: security_form)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from firmid.oidc.selectors import ApplicationSummary
from firmid.oidc.services import SCOPES
from firmid.policy import UserType
from firmid.sso.models import DEFAULT_SCOPES, PAPE_MULTI_FACTOR, SsoConnection
from firmid.sso.services import CLIENT_TYPES as SSO_CLIENT_TYPES
from firmid.sso.services import ConnectionSettings
from firmid.tenancy.models import ClientCompany, Firm
from firmid.tenancy.selectors import MAX_PK

CONFIRMED = "confirmed"
PREVIEW = "preview"


class FirmSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)


class UserSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    firm = forms.IntegerField(required=False, min_value=1, max_value=MAX_PK)


@dataclass(frozen=True)
class SearchTerms:
    query: str = ""
    firm_id: int | None = None


def search_terms(form: forms.Form) -> SearchTerms:
    """Return the valid search terms; an invalid one (say firm=abc) is ignored, not an error."""
    form.is_valid()
    return SearchTerms(query=form.cleaned_data.get("q") or "", firm_id=form.cleaned_data.get("firm"))


def is_confirmed(data: QueryDict) -> bool:
    return data.get(CONFIRMED) == "1"


def is_preview(data: QueryDict) -> bool:
    return PREVIEW in data


CLIENT_TYPES = [
    ("confidential", "Confidential (a server-side application that keeps a secret)"),
    ("public", "Public (a browser or mobile application: no secret, PKCE only)"),
]
ONE_PER_LINE = "One exact URL per line: no wildcard, no fragment."


class ApplicationForm(forms.Form):
    """An application's settings as posted; the rules they must follow are the services'."""

    name = forms.CharField(required=False)
    home_url = forms.CharField(required=False, label="Home URL")
    redirect_uris = forms.CharField(
        required=False, label="Redirect URIs", help_text=ONE_PER_LINE, widget=forms.Textarea(attrs={"rows": 3})
    )
    post_logout_redirect_uris = forms.CharField(
        required=False,
        label="Post-logout redirect URIs",
        help_text=f"Optional. {ONE_PER_LINE}",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    allowed_origins = forms.CharField(
        required=False,
        label="Allowed origins (single-page applications)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional. One origin per line, scheme://host[:port] with no path (https; http for localhost "
        "only): the pages from which a browser application may call the token, UserInfo and revocation endpoints.",
    )
    client_type = forms.ChoiceField(choices=CLIENT_TYPES, initial="confidential", widget=forms.RadioSelect)
    user_types = forms.MultipleChoiceField(
        required=False,
        choices=[(t.value, t.label) for t in UserType],
        widget=forms.CheckboxSelectMultiple,
        help_text="None checked: every user type may sign in.",
    )
    scopes = forms.MultipleChoiceField(
        required=False,
        choices=[(s, s) for s in SCOPES],
        initial=list(SCOPES),
        widget=forms.CheckboxSelectMultiple,
        help_text="openid is required.",
    )
    require_mfa = forms.BooleanField(required=False, label="Require MFA for this application")

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
        label="Issuer",
        help_text="The provider's issuer URL (https): firmid reads its /.well-known/openid-configuration.",
    )
    client_id = forms.CharField(max_length=255, label="Client ID")
    client_secret = forms.CharField(
        required=False,
        strip=False,
        label="Client secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown again.",
    )
    scopes = forms.CharField(
        max_length=255, initial=DEFAULT_SCOPES, help_text="Separated by spaces; openid is required."
    )
    email_domains = forms.CharField(
        required=False,
        label="Email domains",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line: addresses of these domains sign in through this provider. "
        "A domain belongs to one connection only.",
    )
    create_users = forms.BooleanField(required=False, label="Create users at first sign-in")
    require_upstream_mfa = forms.BooleanField(required=False, label="Require MFA at the firm's identity provider")
    mfa_acr = forms.CharField(
        required=False,
        max_length=255,
        initial=PAPE_MULTI_FACTOR,
        label="acr value that means MFA",
        help_text="The acr the provider sends when the user did MFA (its amr is read too).",
    )
    client_company = forms.ModelChoiceField(
        required=False,
        queryset=ClientCompany.objects.none(),
        label="Client company",
        help_text="Where the users created at first sign-in belong.",
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
