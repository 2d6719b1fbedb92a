from django.urls import include, path
from django.views.generic import RedirectView

from firmid.myaccount import language
from firmid.myaccount import views as myaccount
from firmid.ops import views as ops

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="myaccount:home", permanent=False)),
    path("language", language.set_language, name="set_language"),
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
    path("accounts/", include("firmid.signin.urls")),
    path("signin/", include("firmid.signin.federation_urls")),
    path("accounts/", include("firmid.mfa.urls")),
    # Each user has one address, set by support: allauth's page to add more is gone.
    path("accounts/email/", myaccount.address_page_gone),
    # No self-service sign-up, address verification or sign-in by emailed code: those allauth pages are gone.
    *[
        path(f"accounts/{gone}", myaccount.allauth_page_gone)
        for gone in (
            "signup/",
            "confirm-email/",
            "confirm-email/<str:key>/",
            "login/code/confirm/",
            "reauthenticate/code/",
            "reauthenticate/code/confirm/",
        )
    ],
    # allauth's own list of factors: My account is where a user manages theirs.
    path("accounts/2fa/", RedirectView.as_view(pattern_name="myaccount:home", permanent=False), name="mfa_index"),
    path(
        "accounts/2fa/webauthn/",
        RedirectView.as_view(pattern_name="myaccount:home", permanent=False),
        name="mfa_list_webauthn",
    ),
    path("accounts/", include("allauth.urls")),
    path("my-account/", include("firmid.myaccount.urls")),
    path("administration/", include("firmid.administration.urls")),
    path("api/", include("firmid.api.urls")),
    path("", include("firmid.oidc.urls")),
]

# A store that cannot serve (database, Redis) is a 503 with Retry-After; anything else a 500.
handler500 = "firmid.ops.outages.server_error"
# Bodies Django refuses before any view (too large, too many fields): JSON on the OAuth endpoints.
handler400 = "firmid.oidc.token_views.bad_request"
