from django.urls import include, path
from django.views.generic import RedirectView

from firmid.ops import views as ops

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="myaccount:home", permanent=False)),
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
    path("accounts/", include("firmid.mfa.urls")),
    path("accounts/", include("allauth.urls")),
    path("my-account/", include("firmid.myaccount.urls")),
    path("administration/", include("firmid.administration.urls")),
    path("api/", include("firmid.api.urls")),
    path("", include("firmid.oidc.urls")),
]

handler500 = "firmid.ops.views.server_error"
