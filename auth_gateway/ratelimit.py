"""Rate limits on failed logins, kept in the database so every worker process shares them.

A limit only slows down: failures older than the window stop counting, so nobody is
locked out for good.
"""

from datetime import timedelta

from sqlalchemy import delete, func, select

from auth_gateway.models import LoginFailure, utcnow


def account_key(email_key):
    return f"account:{email_key}"


def address_key(address):
    return f"address:{address}"


def is_throttled(session, limits, window_seconds):
    """Return True when one of the ``(key, limit)`` pairs reached its limit in the window."""
    since = utcnow() - timedelta(seconds=window_seconds)
    for key, limit in limits:
        count = session.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.key == key, LoginFailure.at >= since)
        )
        if count >= limit:
            return True
    return False


def record_failure(session, keys, window_seconds):
    """Count one failure for each key, and forget failures past the window."""
    now = utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=window_seconds)))
    session.add_all(LoginFailure(key=key, at=now) for key in keys)


def forget(session, key):
    """Drop the failures counted for ``key`` (after a successful login)."""
    session.execute(delete(LoginFailure).where(LoginFailure.key == key))
