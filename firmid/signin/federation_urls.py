"""Sign-in through a firm's identity provider, under /signin/: the callback is the redirect URI firms register."""

from django.urls import path

from firmid.signin import federation

urlpatterns = [
    path("identify/", federation.identify, name="firmid_identify"),
    path("sso/<str:connection>/start/", federation.start, name="firmid_sso_start"),
    path("sso/callback/", federation.callback, name="firmid_sso_callback"),
]
