"""Single-use, expiring links sent by e-mail (password reset, invitation).

The link carries a random secret; the database keeps only its sha256, so a copy of the
database opens no account.
"""

import hashlib
import secrets

from sqlalchemy import select, update

from auth_gateway.models import MemberToken, utcnow


def digest(secret):
    """Return what is stored of a link's secret: its sha256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(session, member_id, purpose, lifetime):
    """Create a token for ``member_id`` valid for ``lifetime``; return its secret (for the link).

    Earlier unused tokens of the same purpose are withdrawn: only the latest link works.
    """
    withdraw(session, member_id, purpose)
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(MemberToken(member_id=member_id, purpose=purpose, token_hash=digest(secret),
                            created_at=now, expires_at=now + lifetime))
    return secret


def find(session, secret, purpose):
    """Return the valid (unused, unexpired) token with this secret and purpose, or None."""
    if not secret or len(secret) > 100:
        return None
    token = session.scalar(select(MemberToken).where(MemberToken.token_hash == digest(secret),
                                                     MemberToken.purpose == purpose))
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def use(session, secret, purpose):
    """Mark the token used and return it, or None if it is not valid (single use)."""
    token = find(session, secret, purpose)
    if token is not None:
        token.used_at = utcnow()
    return token


def withdraw(session, member_id, purpose):
    """Make every unused token of ``member_id`` for ``purpose`` useless."""
    session.execute(update(MemberToken).where(MemberToken.member_id == member_id, MemberToken.purpose == purpose,
                                              MemberToken.used_at.is_(None)).values(used_at=utcnow()))
