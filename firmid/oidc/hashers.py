"""How applications' client secrets are stored: a fast salted hash, since they are random."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class ClientSecretHasher(PBKDF2PasswordHasher):
    """Salted HMAC-SHA256 (PBKDF2-SHA256 with one iteration) of a machine-generated client secret.

    A slow hash protects *guessable* secrets: people's passwords. A client secret made by
    django-oauth-toolkit's generator is 128 characters drawn from 62 (about 760 bits), out
    of reach of any guessing however fast the hash, so Argon2id buys nothing for it and
    would cost a whole Argon2id computation (tens of ms of a core, 19 MiB) at every token
    request: as much as the user's password, doubling the hashing cost of a sign-in
    (docs/performance.md). Passwords keep Argon2id: this hasher is listed after it in
    PASSWORD_HASHERS and only OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"] names it.

    Secrets already stored with Argon2id keep verifying (Django picks the hasher from the
    stored value); regenerating a secret stores the new one with this hasher. A secret
    chosen by a person (the demo application's) must not be stored this way in production.
    """

    algorithm = "firmid_client_secret_sha256"
    iterations = 1
