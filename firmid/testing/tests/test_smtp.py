"""The loopback SMTP server receives what Django's SMTP backend sends, as a mail server would."""

from __future__ import annotations

from django.core.mail import send_mail


def test_a_message_crosses_a_real_socket(smtp) -> None:
    send_mail("Héllo", "Body line\nsecond line", "firmid <no-reply@firmid.test>", ["a@example.test"])
    [received] = smtp.to("a@example.test")
    assert received.subject == "Héllo"
    assert received.body.splitlines() == ["Body line", "second line"]
    assert received.sender == "no-reply@firmid.test"


def test_nothing_is_received_for_another_address(smtp) -> None:
    send_mail("x", "y", None, ["b@example.test"])
    assert smtp.to("a@example.test") == []
