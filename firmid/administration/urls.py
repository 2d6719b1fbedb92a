from django.urls import path

from firmid.accounts.selectors import UserKind
from firmid.administration.views import applications, audit, coverage, firms, sso, uncovered, user_email, users

app_name = "administration"
urlpatterns = [
    path("", firms.index, name="index"),
    path("firms/", firms.firm_list, name="firms"),
    path("firms/<int:pk>/security/", firms.firm_security, name="firm_security"),
    path("firms/<int:pk>/audit/", audit.firm_audit, name="firm_audit"),
    path("firms/<int:pk>/audit/csv/", audit.firm_audit_csv, name="firm_audit_csv"),
    path("firms/<int:pk>/sso/", sso.firm_sso, name="firm_sso"),
    path("firms/<int:pk>/sso/<slug:user_type>/edit/", sso.firm_sso_edit, name="firm_sso_edit"),
    path("firms/<int:pk>/sso/<slug:user_type>/test/", sso.firm_sso_test, name="firm_sso_test"),
    path("firms/<int:pk>/sso/<slug:user_type>/enable/", sso.firm_sso_enable, name="firm_sso_enable"),
    path("firms/<int:pk>/sso/<slug:user_type>/disable/", sso.firm_sso_disable, name="firm_sso_disable"),
    path("firms/<int:pk>/mfa-coverage/", coverage.firm_coverage, name="firm_coverage"),
    path("firms/<int:pk>/mfa-coverage/csv/", coverage.firm_coverage_csv, name="firm_coverage_csv"),
    path("firms/<int:pk>/not-covered/", uncovered.firm_uncovered_page, name="firm_uncovered"),
    path("firms/<int:pk>/not-covered/csv/", uncovered.firm_uncovered_csv, name="firm_uncovered_csv"),
    path("mfa-coverage/", coverage.platform_coverage, name="coverage"),
    path("mfa-coverage/csv/", coverage.platform_coverage_csv, name="coverage_csv"),
    path("practitioners/", users.user_list, {"kind": UserKind.PRACTITIONERS}, name="practitioners"),
    path("client-users/", users.user_list, {"kind": UserKind.CLIENT_USERS}, name="client_users"),
    path("users/<uuid:public_id>/security/", users.user_security, name="user_security"),
    path("users/<uuid:public_id>/history/", audit.user_history, name="user_history"),
    path("users/<uuid:public_id>/activate-mfa/", users.user_activate, name="user_activate_mfa"),
    path("users/<uuid:public_id>/deactivate-mfa/", users.user_deactivate, name="user_deactivate_mfa"),
    path("users/<uuid:public_id>/reset-mfa/", users.user_reset, name="user_reset_mfa"),
    path("users/<uuid:public_id>/disable/", users.user_disable, name="user_disable"),
    path("users/<uuid:public_id>/enable/", users.user_enable, name="user_enable"),
    path("users/<uuid:public_id>/email/", user_email.user_email, name="user_email"),
    path("applications/", applications.application_list, name="applications"),
    path("applications/new/", applications.application_new, name="application_new"),
    path("applications/<int:pk>/", applications.application_detail, name="application"),
    path("applications/<int:pk>/edit/", applications.application_edit, name="application_edit"),
    path(
        "applications/<int:pk>/regenerate-secret/", applications.application_regenerate, name="application_regenerate"
    ),
    path("applications/<int:pk>/delete/", applications.application_remove, name="application_delete"),
]
