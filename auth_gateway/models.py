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

    def __repr__(self):
        return f"<Member {self.email_key} {self.role} {self.status}>"


class LoginFailure(Base):
    """One failed login, counted by the rate limits (per account and per address)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "account:<email key>" or "address:<client address>".
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
