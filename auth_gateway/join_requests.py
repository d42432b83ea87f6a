"""Requests to join: answers checked against the community's eligibility questions, the
e-mail address confirmed by a link, then an animator of the region (or an admin)
approves or refuses with a reason."""

import secrets
from datetime import timedelta

from sqlalchemy import select

from auth_gateway import members, tokens
from auth_gateway.members import MemberError
from auth_gateway.models import JoinRequest, JoinStatus, Role, utcnow

CONFIRM_LIFETIME = timedelta(days=2)
MAX_JOB_TITLE = 200


def eligible(community, answers):
    """Return whether every eligibility question got the answer peers give."""
    return all(answers.get(q.id) == q.expected for q in community.eligibility)


def submit(session, community, *, email, name, structure, region, job_title):
    """Record a request (answers already found eligible); return the confirmation link's
    secret, or None when the address belongs to a member or has a confirmed request
    (nothing to do, and the page says the same thing either way).

    :raises MemberError: on an invalid e-mail, empty name or job title, unknown
        structure or region.
    """
    email, name, found_structure, found_region = members.validate_identity(
        community, email=email, name=name, structure=structure, region=region)
    job_title = " ".join(job_title.split())[:MAX_JOB_TITLE]
    if not job_title:
        raise MemberError("join.empty_job_title")
    key = members.email_key(email)
    if members.find_member(session, email) is not None:
        return None
    pending = session.scalar(select(JoinRequest.id).where(JoinRequest.email_key == key,
                                                          JoinRequest.status == JoinStatus.PENDING))
    if pending is not None:  # confirmed already: nobody may rewrite it without the mailbox
        return None
    # A request of its own for each submission: only the one whose link is followed counts.
    secret = secrets.token_urlsafe(32)
    session.add(JoinRequest(
        email=email, email_key=key, display_name=name, job_title=job_title, structure=found_structure.name,
        region=found_region, domain_matches=found_structure.owns_email(email), status=JoinStatus.UNCONFIRMED,
        confirm_hash=tokens.digest(secret), confirm_expires_at=utcnow() + CONFIRM_LIFETIME))
    return secret


def confirm(session, secret):
    """Confirm the address of the request whose link holds ``secret``; return it, or None."""
    if not secret or len(secret) > 100:
        return None
    request = session.scalar(select(JoinRequest).where(JoinRequest.confirm_hash == tokens.digest(secret)))
    if request is None or request.status != JoinStatus.UNCONFIRMED or request.confirm_expires_at <= utcnow():
        return None
    if session.scalar(select(JoinRequest.id).where(JoinRequest.email_key == request.email_key,
                                                   JoinRequest.status == JoinStatus.PENDING)) is not None:
        return None  # another request for this address was confirmed first
    request.status, request.confirmed_at, request.confirm_hash = JoinStatus.PENDING, utcnow(), None
    return request


def _visible_to(query, decider):
    # Animators decide for their own region; admins for every region.
    return query if decider.role == Role.ADMIN else query.where(JoinRequest.region == decider.region)


def pending_for(session, decider):
    """Return the confirmed requests ``decider`` may decide, oldest first."""
    query = select(JoinRequest).where(JoinRequest.status == JoinStatus.PENDING).order_by(JoinRequest.id)
    return session.scalars(_visible_to(query, decider)).all()


def decide(session, community, *, request_id, decider, approve, reason=""):
    """Approve (the member is created, invited) or refuse (with a reason) a pending request.

    Returns (request, member or None). Raises LookupError when ``decider`` may not see it.
    """
    request = session.scalar(_visible_to(select(JoinRequest).where(JoinRequest.id == request_id,
                                                                   JoinRequest.status == JoinStatus.PENDING),
                                         decider))
    if request is None:
        raise LookupError(request_id)
    member = None
    if approve:
        member = members.add_member(session, community, email=request.email, name=request.display_name,
                                    structure=request.structure, region=request.region, password=None)
        request.status = JoinStatus.APPROVED
    else:
        reason = " ".join((reason or "").split())
        if not reason:
            raise MemberError("join.reason_required")
        request.status, request.reason = JoinStatus.REFUSED, reason
    request.decided_at, request.decided_by = utcnow(), decider.id
    return request, member
