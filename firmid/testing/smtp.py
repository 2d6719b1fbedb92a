"""A real SMTP server on loopback (aiosmtpd): e-mails go through Django's SMTP backend and a socket.

Django's in-memory outbox shows what firmid asked to send; this shows what a mail server
received: the envelope, the headers as encoded on the wire, the body a person reads.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


@dataclass
class Received:
    """One message as the server received it."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@dataclass
class Mailbox:
    """What the loopback server received, in order; safe to read while it runs."""

    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        """Return the messages delivered to `address`, oldest first."""
        with self._lock:
            return [m for m in self.received if address in m.recipients]


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """Run an SMTP server on a free loopback port; yield its mailbox and port."""
    mailbox = Mailbox()
    # aiosmtpd checks the server answers by connecting to the port it was given: not 0.
    controller = Controller(mailbox, hostname=LOOPBACK, port=_free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]
