"""The factor registry: every registered factor implements the interface, once per kind."""

from __future__ import annotations

import inspect

import pytest
from allauth.mfa.models import Authenticator

from firmid.mfa import registry
from firmid.mfa.factors.base import Factor, FactorSummary
from firmid.mfa.models import MfaGuard
from firmid.mfa.verification import CodeCheck

ATTRIBUTES = ("kind", "amr", "enrol_url_name", "remove_url_name")
# What pages show: lazy, so that each page says it in its own language.
LABELS = ("label", "kind_label", "add_label", "replace_label")
# RFC 8176 values a second factor may report.
RFC8176_SECOND_FACTORS = {"otp", "hwk", "swk", "sms", "tel", "face", "fpt", "iris", "retina", "vbm", "sc"}


@pytest.mark.parametrize("factor", registry.factors(), ids=lambda f: f.kind)
def test_every_factor_implements_the_interface(factor: Factor) -> None:
    assert isinstance(factor, Factor)
    assert not inspect.isabstract(type(factor))
    assert all(isinstance(getattr(factor, name), str) and getattr(factor, name) for name in ATTRIBUTES)
    assert all(str(getattr(factor, name)) for name in LABELS)


@pytest.mark.parametrize("factor", registry.factors(), ids=lambda f: f.kind)
def test_every_factor_is_an_allauth_authenticator_type(factor: Factor) -> None:
    assert factor.kind in Authenticator.Type.values


@pytest.mark.parametrize("factor", registry.factors(), ids=lambda f: f.kind)
def test_every_factor_reports_an_rfc8176_value(factor: Factor) -> None:
    assert factor.amr in RFC8176_SECOND_FACTORS
    assert registry.amr_of(factor.kind) == factor.amr


@pytest.mark.parametrize("factor", registry.factors(), ids=lambda f: f.kind)
def test_every_factor_serves_its_enrol_and_remove_pages(factor: Factor) -> None:
    # More pages may follow (replace, rename); a key's removal page names the key (its pk).
    routes = {pattern.name: str(pattern.pattern) for pattern in factor.urlpatterns()}
    assert {factor.enrol_url_name, factor.remove_url_name} <= set(routes)
    assert routes[factor.enrol_url_name] != routes[factor.remove_url_name]


@pytest.mark.parametrize("factor", registry.factors(), ids=lambda f: f.kind)
def test_a_factor_answered_by_a_code_gives_the_guard_what_it_needs(factor: Factor) -> None:
    if factor.takes_typed_code:
        assert isinstance(factor, CodeCheck)
        assert all(callable(getattr(factor, name)) for name in ("parse", "match", "spend"))


@pytest.mark.parametrize("factor", registry.factors(), ids=lambda f: f.kind)
def test_a_factors_replay_state_lives_in_the_shared_guard_row(factor: Factor) -> None:
    fields = {field.name for field in MfaGuard._meta.get_fields()}
    assert set(factor.guard_state_cleared) <= fields


def test_kinds_are_unique() -> None:
    kinds = [f.kind for f in registry.factors()]
    assert len(kinds) == len(set(kinds))


def test_factor_is_found_by_its_kind_and_an_unknown_kind_is_refused() -> None:
    assert registry.factor("totp").kind == "totp"
    with pytest.raises(KeyError):
        registry.factor("sms")


@pytest.mark.parametrize(("kind", "amr"), [("totp", "otp"), ("webauthn", "hwk"), ("recovery_codes", "otp"), ("", None)])
def test_amr_of_a_kind(kind: str, amr: str | None) -> None:
    assert registry.amr_of(kind) == amr


def test_the_authenticator_app_is_the_totp_factor_reported_as_otp() -> None:
    totp = registry.factor(Authenticator.Type.TOTP)
    assert (totp.amr, totp.label) == ("otp", "authenticator app")
    assert (totp.enrol_url_name, totp.remove_url_name) == ("mfa_activate_totp", "mfa_deactivate_totp")


def test_a_reset_forgets_the_last_totp_step() -> None:
    assert registry.guard_state_cleared() == {"last_totp_step": -1}


@pytest.mark.django_db
def test_describe_summarises_a_stored_factor(make_user, frozen_clock) -> None:
    user = make_user()
    row = Authenticator.objects.create(user=user, type="totp", data={"secret": "x"})
    summary = registry.factor("totp").describe(row)
    assert summary == FactorSummary(
        kind="totp", name="authenticator app", added=row.created_at, last_used=None, kind_label="Authenticator app"
    )
