from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="myaccount:home", permanent=False)),
    path("accounts/", include("firmid.mfa.urls")),
    path("accounts/", include("allauth.urls")),
    path("my-account/", include("firmid.myaccount.urls")),
    path("administration/", include("firmid.administration.urls")),
    path("api/", include("firmid.api.urls")),
    path("", include("firmid.oidc.urls")),
]
