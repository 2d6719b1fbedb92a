from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from firmid.api.views import coverage, firms, sso, uncovered, users
from firmid.api.views.common import NoSuchEndpoint

app_name = "api"
urlpatterns = [
    path("v1/firms/", firms.FirmList.as_view(), name="firm_list"),
    path("v1/firms/<int:firm_id>/mfa-levels", firms.FirmMfaLevels.as_view(), name="firm_mfa_levels"),
    path("v1/firms/<int:firm_id>/mfa-coverage", coverage.FirmCoverage.as_view(), name="firm_mfa_coverage"),
    path("v1/firms/<int:firm_id>/uncovered-users", uncovered.FirmUncoveredUsers.as_view(), name="firm_uncovered_users"),
    path("v1/firms/<int:firm_id>/sso-connections", sso.FirmSsoConnections.as_view(), name="firm_sso_connections"),
    path("v1/mfa-coverage", coverage.PlatformCoverage.as_view(), name="mfa_coverage"),
    path("v1/users/<uuid:public_id>/mfa", users.UserMfa.as_view(), name="user_mfa"),
    path("v1/users/<uuid:public_id>/mfa/activate", users.UserMfaActivate.as_view(), name="user_mfa_activate"),
    path("v1/users/<uuid:public_id>/mfa/deactivate", users.UserMfaDeactivate.as_view(), name="user_mfa_deactivate"),
    path("v1/users/<uuid:public_id>/mfa/reset", users.UserMfaReset.as_view(), name="user_mfa_reset"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Last: what matched nothing above (a malformed id too) still gets a JSON answer.
    re_path(r"", NoSuchEndpoint.as_view()),
]
