"""Tables of the gateway: members, failed logins, site builds."""

import enum
import time
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# One definition of timestamps and enum columns for every package's tables.
from discussions.models import UTCDateTime, string_enum, utcnow


class Base(DeclarativeBase):
    """Declarative base of the gateway's tables."""


class Role(enum.StrEnum):
    """What a member does in the community; each role has the permissions of the ones before."""

    MEMBER = "member"
    ANIMATOR = "animator"
    ADMIN = "admin"


class Status(enum.StrEnum):
    """Whether a member may come in."""

    # Imported or approved, has not chosen her password yet (invitation link).
    INVITED = "invited"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REMOVED = "removed"


class Member(Base):
    """A vetted peer: an advisor of one structure and region, with a role."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # As typed by the member, for display and e-mails.
    email: Mapped[str] = mapped_column(String(320))
    # NFKC + case-folded form: the identity used for login and uniqueness.
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Canonical names from community.yml.
    structure: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(string_enum(Role), default=Role.MEMBER)
    status: Mapped[Status] = mapped_column(string_enum(Status), default=Status.ACTIVE)
    # scrypt hash (werkzeug format), never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    # Random value carried by the session and remember cookies (flask-login's user id).
    # Replaced at logout, password change and suspension: every copied cookie dies.
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    # When the token was issued (Unix seconds, compared on every request): sessions and
    # remember cookies carrying it die after REMEMBER_COOKIE_DURATION, whatever expiry
    # the client gives the cookie.
    session_started_at: Mapped[int] = mapped_column(Integer, default=lambda: int(time.time()))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Profile, shown in the directory: years practising, areas of expertise (free text).
    years_of_practice: Mapped[int | None] = mapped_column(Integer)
    expertise: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Last time she confirmed she still practises (yearly); set when she comes in.
    practice_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the yearly reminder was sent (None: not sent since her last confirmation).
    practice_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self):
        return f"<Member {self.email_key} {self.role} {self.status}>"


class LoginFailure(Base):
    """One failed login, counted by the rate limits (per account and per address)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<scope>:account:<email key>", "<scope>:address:<address>" or "<scope>:pair:<both>".
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BuildStatus(enum.StrEnum):
    """Outcome of a site build."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SiteBuild(Base):
    """One build of the content repo's HEAD into a static site, with its log."""

    __tablename__ = "site_builds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Full hexadecimal SHA of the commit built.
    commit: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[BuildStatus] = mapped_column(string_enum(BuildStatus), default=BuildStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # mkdocs' warnings and errors during the build.
    log: Mapped[str] = mapped_column(Text, default="")
    # Why a failed build failed, in one line.
    error: Mapped[str | None] = mapped_column(Text)


class PageRedirect(Base):
    """An old page URL sent on to where its page went (a sheet renamed or moved in git)."""

    __tablename__ = "page_redirects"

    # Site paths, e.g. "/fiches/vae/" -> "/fiches/validation-des-acquis/".
    old_url: Mapped[str] = mapped_column(String(600), primary_key=True)
    new_url: Mapped[str] = mapped_column(String(600))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MailStatus(enum.StrEnum):
    """Where an e-mail is in its delivery."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboundMail(Base):
    """An e-mail to deliver: a job, so a slow or down SMTP server blocks no page and
    nothing is lost (retried with growing delays, then marked failed)."""

    __tablename__ = "outbound_mails"
    __table_args__ = (Index("ix_outbound_mails_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    # Both parts, rendered when the mail was queued (French, with absolute links).
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(string_enum(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before this time: the next try, or the end of a sender's lease on the job.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TokenPurpose(enum.StrEnum):
    """What a link sent by e-mail lets its holder do."""

    RESET_PASSWORD = "reset_password"
    INVITATION = "invitation"


class MemberToken(Base):
    """A single-use, expiring secret sent by e-mail (password reset, invitation)."""

    __tablename__ = "member_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(string_enum(TokenPurpose))
    # sha256 of the secret: the database never holds a usable link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JoinStatus(enum.StrEnum):
    """Where a request to join is."""

    # Waiting for the e-mail address to be confirmed (link sent).
    UNCONFIRMED = "unconfirmed"
    # Confirmed, waiting for an animator of the region or an admin.
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class JoinRequest(Base):
    """Someone who asks to join: her answers, then an animator's decision."""

    __tablename__ = "join_requests"
    __table_args__ = (Index("ix_join_requests_status_region", "status", "region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Canonical names from community.yml.
    structure: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200))
    # The e-mail's domain is one of the structure's: shown to the animator; others are
    # flagged for a closer look.
    domain_matches: Mapped[bool] = mapped_column(default=False)
    status: Mapped[JoinStatus] = mapped_column(string_enum(JoinStatus), default=JoinStatus.UNCONFIRMED)
    # sha256 of the secret of the confirmation link; its expiry.
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(Integer)
    # Why it was refused (sent to her).
    reason: Mapped[str | None] = mapped_column(Text)


class AuditKind(enum.StrEnum):
    """What the audit log records."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    ROLE_CHANGED = "role_changed"
    STATUS_CHANGED = "status_changed"
    ERASED = "erased"
    INVITED = "invited"
    JOIN_APPROVED = "join_approved"
    JOIN_REFUSED = "join_refused"
    COMMUNITY_EDITED = "community_edited"


class AuditEvent(Base):
    """One event of the audit log: who did what to whom, when, from where."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[AuditKind] = mapped_column(string_enum(AuditKind))
    # The member who acted (None: the command line, or someone not logged in).
    actor_id: Mapped[int | None] = mapped_column(Integer)
    # Whom or what it concerns (an e-mail address, a setting); one line.
    subject: Mapped[str] = mapped_column(String(400), default="")
    detail: Mapped[str] = mapped_column(String(1000), default="")
    address: Mapped[str] = mapped_column(String(100), default="")
