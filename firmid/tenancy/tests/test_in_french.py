"""Tenancy's words for people, in French: a firm that does not exist, the client companies."""

from __future__ import annotations

import pytest
from django.utils import translation

from firmid.core.errors import NotFound
from firmid.tenancy.models import ClientCompany
from firmid.tenancy.selectors import firm_get


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "No accounting firm has this id."), ("fr", "Aucun cabinet comptable n'a cet identifiant.")],
)
def test_an_unknown_firm_is_refused_in_the_readers_language(db, language, message) -> None:
    with translation.override(language), pytest.raises(NotFound) as refused:
        firm_get(pk=999_999)
    assert refused.value.message == message


def test_the_model_names_its_companies_in_the_readers_language() -> None:
    with translation.override("fr"):
        assert str(ClientCompany._meta.verbose_name_plural) == "entreprises clientes"
    with translation.override("en"):
        assert str(ClientCompany._meta.verbose_name_plural) == "client companies"
