"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: every message received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def text(self, message):
        return message.get_body(preferencelist=("plain",)).get_content()

    def html(self, message):
        return message.get_body(preferencelist=("html",)).get_content()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start():
    """Start a server; return (controller, inbox, smtp URL)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox, f"smtp://127.0.0.1:{port}"
