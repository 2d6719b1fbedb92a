from django.urls import path

from firmid.signin.login import LoginView
from firmid.signin.views import AuthenticateView, EnrolView, StepUpEnrolView

urlpatterns = [
    path("login/", LoginView.as_view(), name="account_login"),
    path("2fa/authenticate/", AuthenticateView.as_view(), name="mfa_authenticate"),
    path("security/enrol/", EnrolView.as_view(), name="firmid_mfa_enrol"),
    path("security/step-up/", StepUpEnrolView.as_view(), name="firmid_mfa_step_up"),
]
