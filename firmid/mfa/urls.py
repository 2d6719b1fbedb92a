from django.urls import path

from firmid.mfa.views import AuthenticateView, EnrolView

urlpatterns = [
    path("2fa/authenticate/", AuthenticateView.as_view(), name="mfa_authenticate"),
    path("security/enrol/", EnrolView.as_view(), name="firmid_mfa_enrol"),
]
