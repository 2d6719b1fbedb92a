from django.urls import path

from firmid.mfa.account_views import ActivateTOTPView, DeactivateTOTPView

urlpatterns = [
    # allauth's pages of My account, before allauth's own URLs: the change and its audit row commit together.
    path("2fa/totp/activate/", ActivateTOTPView.as_view(), name="mfa_activate_totp"),
    path("2fa/totp/deactivate/", DeactivateTOTPView.as_view(), name="mfa_deactivate_totp"),
]
