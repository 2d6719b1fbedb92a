from django.urls import path

from firmid.mfa.views import EnrolView

urlpatterns = [
    path("security/enrol/", EnrolView.as_view(), name="firmid_mfa_enrol"),
]
