"""Input of the Administration application: search boxes, the posted MFA levels, applications."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from firmid.oidc.selectors import ApplicationSummary
from firmid.oidc.services import SCOPES
from firmid.policy import MfaLevel, UserType
from firmid.tenancy.selectors import MAX_PK

LEVEL_PREFIX = "level_"
CONFIRMED = "confirmed"


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


def level_field(user_type: UserType) -> str:
    return f"{LEVEL_PREFIX}{user_type.value}"


def posted_levels(data: QueryDict) -> dict[str, str]:
    """Return the posted {user type: level} of every level_<user type> field, unparsed."""
    return {key.removeprefix(LEVEL_PREFIX): data[key] for key in data if key.startswith(LEVEL_PREFIX)}


def is_confirmed(data: QueryDict) -> bool:
    return data.get(CONFIRMED) == "1"


def hidden_levels(levels: Mapping[UserType, MfaLevel]) -> list[tuple[str, str]]:
    """Return the (name, value) pairs that re-post `levels` from the Confirm step."""
    return [(level_field(user_type), level.value) for user_type, level in levels.items()]


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
