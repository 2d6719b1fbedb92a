from django.urls import path

from firmid.myaccount import trusted_browsers, views

app_name = "myaccount"
urlpatterns = [
    path("", views.home, name="home"),
    path("trusted-browsers/<int:browser_id>/revoke/", trusted_browsers.revoke, name="trusted_browser_revoke"),
    path("trusted-browsers/revoke-all/", trusted_browsers.revoke_all, name="trusted_browsers_revoke_all"),
]
