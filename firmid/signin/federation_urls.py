"""The round trip to a firm's identity provider, under /signin/sso/: the callback is the redirect URI firms register."""

from django.urls import path

from firmid.signin import federation

urlpatterns = [
    path("sso/<str:connection>/start/", federation.start, name="firmid_sso_start"),
    path("sso/callback/", federation.callback, name="firmid_sso_callback"),
]
