from django.urls import include, path

from firmid.signin.login import LoginView
from firmid.signin.mailbox import setup_link
from firmid.signin.mailbox_stage import confirm_address
from firmid.signin.passkeys import PasskeySignInView
from firmid.signin.trust_stage import TrustBrowserView
from firmid.signin.views import AuthenticateView, EnrolView, StepUpEnrolView

urlpatterns = [
    path("login/", LoginView.as_view(), name="account_login"),
    path("2fa/authenticate/", AuthenticateView.as_view(), name="mfa_authenticate"),
    # allauth's path and name: a passkey alone, where the user's firm allows it (firmid.signin.stages).
    path("2fa/webauthn/login/", PasskeySignInView.as_view(), name="mfa_login_webauthn"),
    path("security/enrol/", EnrolView.as_view(), name="firmid_mfa_enrol"),
    path("security/step-up/", StepUpEnrolView.as_view(), name="firmid_mfa_step_up"),
    path("", include("firmid.signin.recovery_urls")),  # lost authenticator, recovery codes
    path("security/trust-browser/", TrustBrowserView.as_view(), name="firmid_trust_browser"),
    path("security/confirm-address/", confirm_address, name="firmid_mailbox_confirm"),
    path("security/setup-link/<str:token>/", setup_link, name="firmid_setup_link"),
]
