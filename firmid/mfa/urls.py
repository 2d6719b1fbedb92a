from django.urls import path

from firmid.mfa.account_views import ActivateTOTPView, DeactivateTOTPView
from firmid.mfa.views import AuthenticateView, EnrolView, StepUpEnrolView

urlpatterns = [
    path("2fa/authenticate/", AuthenticateView.as_view(), name="mfa_authenticate"),
    # allauth's pages of My account, before allauth's own URLs: the change and its audit row commit together.
    path("2fa/totp/activate/", ActivateTOTPView.as_view(), name="mfa_activate_totp"),
    path("2fa/totp/deactivate/", DeactivateTOTPView.as_view(), name="mfa_deactivate_totp"),
    path("security/enrol/", EnrolView.as_view(), name="firmid_mfa_enrol"),
    path("security/step-up/", StepUpEnrolView.as_view(), name="firmid_mfa_step_up"),
]
