"""The yearly check that members still practise: a reminder, then a suspension.

People who leave the profession leave the community: every member confirms once a
period (PRACTICE_CONFIRMATION_DAYS) that she still practises; a reminder goes out
PRACTICE_REMINDER_DAYS before the end of the period, and at its end an unconfirmed
account is suspended (she can ask an animator to reactivate it).
"""

from datetime import timedelta

from sqlalchemy import func, select

from auth_gateway import members
from auth_gateway.models import Member, Status, utcnow


def check(session, *, period_days, reminder_days):
    """Return (members to remind, members suspended now); the reminded ones are marked."""
    now = utcnow()
    since = func.coalesce(Member.practice_confirmed_at, Member.created_at)
    active = select(Member).where(Member.status == Status.ACTIVE)
    to_suspend = session.scalars(active.where(since <= now - timedelta(days=period_days))).all()
    for member in to_suspend:
        member.status = Status.SUSPENDED
        members.revoke_sessions(member)
    to_remind = session.scalars(active.where(since <= now - timedelta(days=period_days - reminder_days),
                                             Member.practice_reminded_at.is_(None))).all()
    for member in to_remind:
        member.practice_reminded_at = now
    return to_remind, to_suspend
