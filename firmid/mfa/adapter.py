from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser

from firmid.core import crypto
from firmid.mfa.factors.webauthn import auth as webauthn_auth
from firmid.mfa.selectors import SECOND_FACTOR_TYPES, user_mfa_decision, user_mfa_decision_without


class MFAAdapter(DefaultMFAAdapter):
    """firmid's policy and key management behind allauth's MFA flows."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)

    def is_mfa_enabled(self, user: AbstractBaseUser, types=None) -> bool:  # noqa: ANN001
        # The policy, not the mere presence of a factor, says whether a code is asked:
        # users whose firm's SSO manages them are never asked for one.
        if user.is_anonymous:
            return False
        # Recovery codes are a way back at sign-in, never a re-authentication method of their own.
        if types is not None and {str(t) for t in types} == {Authenticator.Type.RECOVERY_CODES.value}:
            return False
        if types is not None and set(types) != set(SECOND_FACTOR_TYPES) and not super().is_mfa_enabled(user, types):
            return False
        # A factor is asked when one is set up and SSO is not in charge, read from the snapshot;
        # one the firm no longer allows too: it proves the person before an allowed one is added.
        return user_mfa_decision(user=user).asks_for_existing_factor

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        # The RP id from the settings, never from the request's Host header (allauth's default).
        return webauthn_auth.rp_entity()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A factor may go only if the policy would not then demand one at once."""
        return not user_mfa_decision_without(user=authenticator.user, authenticator=authenticator).must_enroll
