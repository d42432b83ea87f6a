"""The audit log: logins, failed logins, role and status changes, decisions on requests."""

import re

from sqlalchemy import select

from auth_gateway.models import AuditEvent, utcnow

# Control characters (CR/LF above all) would let a name forge lines in a log export.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text, limit):
    """Return ``text`` without control characters, cut at ``limit``."""
    return _CONTROLS.sub(" ", text or "")[:limit]


def record(session, kind, *, actor_id=None, subject="", detail="", address=""):
    """Add an event to the log (in the caller's transaction)."""
    session.add(AuditEvent(kind=kind, actor_id=actor_id, subject=one_line(subject, 400),
                           detail=one_line(detail, 1000), address=one_line(address, 100), at=utcnow()))


def latest(session, limit=500):
    """Return the latest events, newest first."""
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).all()
