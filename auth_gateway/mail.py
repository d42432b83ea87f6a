"""E-mails: queued as jobs in the database, delivered by SMTP (or into the outbox).

A page only queues (one INSERT in its own transaction); delivery happens elsewhere
(``deliver_due``: the server's delivery thread, or ``entrepairs mail deliver``), so a
slow or down SMTP server never blocks a page and a crash loses nothing.
"""

import logging
import smtplib
import ssl
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from sqlalchemy import select

from auth_gateway.i18n import translate
from auth_gateway.models import MailStatus, OutboundMail, utcnow

logger = logging.getLogger(__name__)

#: How long a sender holds a job before another may try it (crash of the sender).
LEASE = timedelta(minutes=5)
#: First delay after a failure; it doubles with each try.
FIRST_RETRY = timedelta(seconds=30)
BATCH = 50


def render(recipient, template, **context):
    """Render the French mail ``template`` for ``recipient`` as an unsaved job.

    Templates: ``templates/mail/<template>.txt`` and ``.html``; subject: the translation
    ``mail.<template>.subject``. Links in the context must be absolute (PUBLIC_URL).
    """
    community = current_app.extensions["entrepairs"].community
    context = {"community": community, **context}
    return OutboundMail(
        recipient=recipient,
        subject=translate(f"mail.{template}.subject", community=community.name),
        text=render_template(f"mail/{template}.txt", **context),
        html=render_template(f"mail/{template}.html", **context),
        status=MailStatus.PENDING, attempts=0, next_attempt_at=utcnow(),
    )


def queue(session, recipient, template, **context):
    """Render the mail and queue it for delivery (in the caller's transaction)."""
    mail = render(recipient, template, **context)
    session.add(mail)
    return mail


def public_link(endpoint, **values):
    """Return the absolute URL of ``endpoint`` under the configured public origin (never
    the request's Host header); works outside requests too (CLI imports)."""
    public = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(public.netloc, script_name=public.path or "/", url_scheme=public.scheme)
    return adapter.build(endpoint, values, force_external=True)


def _message(recipient, subject, text, html, sender):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "entrepairs.invalid")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Transport:
    """Where mails go: an SMTP server (``smtp://`` with STARTTLS when offered, ``smtps://``),
    or .eml files in a folder when no server is configured."""

    def __init__(self, smtp_url, outbox_dir):
        self.url = urlsplit(smtp_url) if smtp_url else None
        self.outbox_dir = outbox_dir

    def send(self, message, mail_id):
        if self.url is None:
            self.outbox_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            (self.outbox_dir / f"{mail_id:08d}.eml").write_bytes(bytes(message))
            return
        url = self.url
        if url.scheme == "smtps":
            client = smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=30,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(url.hostname, url.port or 25, timeout=30)
        with client:
            if url.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(message)


def _claim(database):
    """Take a lease on a batch of due mails; return them as (id, message-to-build) pairs."""
    now = utcnow()
    with database.write() as session:
        due = session.scalars(select(OutboundMail).where(OutboundMail.status == MailStatus.PENDING,
                                                         OutboundMail.next_attempt_at <= now)
                              .order_by(OutboundMail.id).limit(BATCH)).all()
        for mail in due:
            mail.next_attempt_at = now + LEASE
        return [(mail.id, mail.recipient, mail.subject, mail.text, mail.html) for mail in due]


def deliver_due(database, transport, *, sender, max_attempts, max_batches=1000):
    """Send every mail that is due, batch after batch; return (sent, failed for good) counts."""
    sent = failed = 0
    for _ in range(max_batches):
        jobs = _claim(database)
        if not jobs:
            break
        for mail_id, *parts in jobs:
            error = _send(transport, sender, mail_id, *parts)
            with database.write() as session:
                mail = session.get(OutboundMail, mail_id)
                mail.attempts += 1
                if error is None:
                    mail.status, mail.sent_at, mail.last_error = MailStatus.SENT, utcnow(), None
                    sent += 1
                elif mail.attempts >= max_attempts:
                    mail.status, mail.last_error = MailStatus.FAILED, error
                    failed += 1
                    logger.error("mail %s to %s failed for good: %s", mail_id, mail.recipient, error)
                else:
                    mail.last_error = error
                    mail.next_attempt_at = utcnow() + FIRST_RETRY * 2 ** (mail.attempts - 1)
                    logger.warning("mail %s to %s: try %s failed: %s", mail_id, mail.recipient, mail.attempts,
                                   error)
    return sent, failed


def _send(transport, sender, mail_id, recipient, subject, text, html):
    """Send one mail; return None, or why it failed."""
    try:
        transport.send(_message(recipient, subject, text, html, sender), mail_id)
    except (OSError, smtplib.SMTPException) as problem:
        return f"{type(problem).__name__}: {problem}"
    return None


def transport_for(app):
    """Return the transport the app's configuration names."""
    services = app.extensions["entrepairs"]
    return Transport(app.config["SMTP_URL"], services.paths.root / "outbox")


def deliver_for(app):
    """Deliver the app's due mails once; return (sent, failed)."""
    return deliver_due(app.extensions["entrepairs"].database, transport_for(app),
                       sender=app.config["MAIL_FROM"], max_attempts=app.config["MAIL_MAX_ATTEMPTS"])


class DeliveryThread(threading.Thread):
    """Deliver due mails every few seconds, in the background of the server."""

    def __init__(self, app, interval=2.0):
        super().__init__(name="mail-delivery", daemon=True)
        self.app, self.interval = app, interval
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.interval):
            try:
                deliver_for(self.app)
            except Exception:  # a delivery round must never kill the thread: log, try again later
                logger.exception("mail delivery round failed")
