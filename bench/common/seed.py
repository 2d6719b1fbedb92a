"""Bench data: users with one known password and TOTP seeds, applications, a support agent."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from firmid.accounts.models import User
    from firmid.tenancy.models import Firm

BENCH_PASSWORD = "bench-password-4f1c"
# The columns the bulk loaders of bench/scale.py and bench/impact_preview.py write into
# accounts_user, in this order; the others have a default in the database.
USER_COLUMNS: tuple[str, ...] = (
    "password",
    "public_id",
    "email",
    "full_name",
    "role",
    "firm_id",
    "client_company_id",
    "mfa_individually_activated",
    "is_active",
    "session_generation",
    "date_joined",
)
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never fetched: the code is read from the Location


@dataclass(frozen=True)
class BenchUser:
    email: str
    totp_secret: str | None  # base32; None for a user without a second factor


@dataclass(frozen=True)
class BenchApp:
    client_id: str
    client_secret: str
    redirect_uri: str = REDIRECT_URI


def totp_secret_of(tag: str, n: int) -> str:
    """Return a known, distinct TOTP seed per user: 20 bytes derived from the run's tag and the number."""
    return base64.b32encode(hashlib.sha256(f"{tag}:{n}".encode()).digest()[:20]).decode()


def create_bench_users(*, count: int, with_totp: bool, tag: str, firm_name: str, batch: int = 2_000) -> list[BenchUser]:
    """Create practitioners of one firm, all with BENCH_PASSWORD (one Argon2 hash) and, if asked, TOTP.

    Bulk-created (users, their verified email addresses, their encrypted TOTP seeds): the
    one Argon2 hash is computed once, with firmid's configured cost.
    """
    from django.contrib.auth.hashers import make_password

    from firmid.tenancy.services import firm_create

    firm = firm_create(name=firm_name)
    password = make_password(BENCH_PASSWORD)
    made: list[BenchUser] = []
    for start in range(0, count, batch):
        numbers = range(start, min(count, start + batch))
        made += _create_batch(numbers=numbers, firm=firm, password=password, with_totp=with_totp, tag=tag)
    return made


def _create_batch(*, numbers: range, firm: Firm, password: str, with_totp: bool, tag: str) -> list[BenchUser]:
    from allauth.account.models import EmailAddress
    from django.db import transaction

    from firmid.accounts.models import Role, User

    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                email=f"b{n}.{tag}@bench.test",
                full_name=f"Bench {n}",
                role=Role.PRACTITIONER,
                firm=firm,
                password=password,
            )
            for n in numbers
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
        secrets = {u.pk: totp_secret_of(tag, n) for n, u in zip(numbers, users, strict=True)} if with_totp else {}
        if with_totp:
            _add_totp(users, secrets)
    return [BenchUser(u.email, secrets.get(u.pk)) for u in users]


def _add_totp(users: list[User], secrets: dict[int, str]) -> None:
    from allauth.mfa.models import Authenticator

    from firmid.core import crypto

    Authenticator.objects.bulk_create(
        Authenticator(user=u, type=Authenticator.Type.TOTP, data={"secret": crypto.encrypt(secrets[u.pk])})
        for u in users
    )


def register_bench_app(*, secret_hasher: str | None = None) -> BenchApp:
    """Register a confidential application; `secret_hasher` forces how its secret is stored."""
    from django.contrib.auth.hashers import make_password
    from oauth2_provider.generators import generate_client_secret

    from firmid.oidc.services import application_register

    secret = generate_client_secret()
    registration = application_register(
        actor=None,
        name=f"Bench {uuid.uuid4().hex[:8]}",
        home_url="http://127.0.0.1:9/",
        redirect_uris=[REDIRECT_URI],
    )
    application = registration.application
    if secret_hasher:
        # Stored already hashed: DOT keeps a value it recognises as a hash.
        application.client_secret = make_password(secret, hasher=secret_hasher)
        application.save(update_fields=["client_secret"])
    else:
        secret = registration.client_secret
    return BenchApp(application.client_id, secret)


def support_agent() -> User:
    """Create a level-2 support agent (allowed to save levels), unique to the run."""
    from firmid.accounts.models import Role
    from firmid.accounts.services import user_create

    return user_create(
        email=f"bench.agent.{uuid.uuid4().hex[:8]}@firmid.test",
        full_name="Bench Agent",
        role=Role.SUPPORT_AGENT,
        password=None,
        support_level=2,
    )
