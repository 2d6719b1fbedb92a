"""A key confirms a sensitive change: its answer is checked like at sign-in, and counts as a recent proof."""

from __future__ import annotations

import json

from firmid.testing.webauthn import give_passkey, sign_in_with_key

ADD = "/accounts/2fa/webauthn/add/"
REAUTHENTICATE = "/accounts/2fa/webauthn/reauthenticate/"


def test_a_key_confirms_it_is_you_before_another_is_added(client, alice, password, settings) -> None:
    key = give_passkey(alice)
    sign_in_with_key(client, alice.email, password, key)
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    assert client.get(ADD).status_code == 302
    page = client.get(f"{REAUTHENTICATE}?next={ADD}")
    assert page.status_code == 200 and "data-passkey-get" in page.content.decode()
    answer = json.dumps(key.sign(page.context["js_data"]["request_options"]))
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    response = client.post(REAUTHENTICATE, {"credential": answer, "next": ADD})
    assert response.status_code == 302 and response.url == ADD
    assert client.get(ADD).status_code == 200


def test_a_key_answer_from_another_origin_does_not_confirm_it(client, alice, password, settings) -> None:
    key = give_passkey(alice)
    sign_in_with_key(client, alice.email, password, key)
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    page = client.get(f"{REAUTHENTICATE}?next={ADD}")
    answer = json.dumps(key.sign(page.context["js_data"]["request_options"], origin="https://evil.test"))
    response = client.post(REAUTHENTICATE, {"credential": answer, "next": ADD})
    assert response.status_code == 302 and response.url != ADD
