"""The password step: Argon2id cost, re-hashing, limits before hashing, no enumeration by work."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher

from firmid.accounts.hashers import FirmidArgon2PasswordHasher
from firmid.accounts.models import Role, User
from firmid.testing.signin import HOME, sign_in


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Count the Argon2 operations (hash or verify) the password step performs."""
    calls: list[str] = []
    for name in ("encode", "verify"):
        original = getattr(FirmidArgon2PasswordHasher, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(FirmidArgon2PasswordHasher, name, counted)
    return calls


@pytest.fixture
def carol(make_user):
    return make_user(role=Role.STANDARD_CLIENT, email="carol@example.test")


def test_unknown_account_costs_one_hash_like_a_known_one(client, carol, hashes) -> None:
    sign_in(client, "nobody@example.test", "a wrong password")
    unknown = len(hashes)
    hashes.clear()
    sign_in(client, carol.email, "a wrong password")
    assert unknown == len(hashes) == 1


def test_limit_is_checked_before_hashing(client, carol, password, hashes) -> None:
    for _ in range(5):
        sign_in(client, carol.email, "a wrong password")
    hashes.clear()
    response = sign_in(client, carol.email, password)
    assert response.status_code == 200 and "Too many" in response.content.decode()
    assert hashes == []


def test_password_is_rehashed_at_sign_in_when_the_cost_changes(client, carol, password, settings) -> None:
    settings.FIRMID_ARGON2_TIME_COST = 3
    assert sign_in(client, carol.email, password).url == HOME
    stored = User.objects.get(pk=carol.pk).password
    assert identify_hasher(stored).algorithm == "argon2"
    assert "t=3" in stored.split("$")[3]


def test_long_passphrases_are_not_truncated(make_user, client) -> None:
    user = make_user(role=Role.STANDARD_CLIENT, email="dan@example.test")
    long = "correct horse battery staple " * 3  # 87 characters
    user.set_password(long)
    user.save()
    assert not user.check_password(long[:72])
    assert sign_in(client, user.email, long).url == HOME


def test_password_guesses_sent_with_other_host_ports_share_the_account_limit(client, carol, password, hashes) -> None:
    """allauth keys the per-account limit by the site's domain, Host's port included: each port
    gave a locked account five fresh guesses (found by the fault suite, behind a proxy that
    passes Host through)."""
    for port in range(1, 6):
        sign_in(client, carol.email, "wrong", HTTP_HOST=f"testserver:{port}")
    hashes.clear()
    response = sign_in(client, carol.email, password, HTTP_HOST="testserver:6")
    assert response.status_code == 200 and "Too many" in response.content.decode()
    assert hashes == []
