"""The sign-in's recovery pages: a lost authenticator (code step) and new recovery codes (after set-up)."""

from django.urls import path

from firmid.signin.lost_device import LostDeviceView, RecoveryCodeView
from firmid.signin.recovery_stage import NewRecoveryCodesView

urlpatterns = [
    path("2fa/lost-device/", LostDeviceView.as_view(), name="firmid_mfa_lost_device"),
    path("2fa/recovery-code/", RecoveryCodeView.as_view(), name="firmid_mfa_recovery_code"),
    path("security/recovery-codes/", NewRecoveryCodesView.as_view(), name="firmid_recovery_codes_new"),
]
