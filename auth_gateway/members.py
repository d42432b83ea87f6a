"""What can be done with members: add, authenticate, change role, revoke sessions."""

import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import bindparam, delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from auth_gateway.community import fold
from auth_gateway import tokens
from auth_gateway.models import AuditEvent, JoinRequest, Member, OutboundMail, Role, Status, TokenPurpose, utcnow

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# One @, a dot in the domain, and none of the characters that let a display name or a
# second address hide in it ("<a@evil.example>x.francetravail.fr"). Delivery is the test.
_ADDRESS_CHARS = r"[^@\s<>()\[\]\\,;:\"]"
_EMAIL = re.compile(rf"^{_ADDRESS_CHARS}+@{_ADDRESS_CHARS}+\.{_ADDRESS_CHARS}+$")
# Verified against when the account does not exist, so that the answer takes as long.
_DUMMY_HASH = generate_password_hash("entrepairs-dummy-password")
_COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords():
    """Return the refused common passwords, case-folded."""
    lines = _COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


class MemberError(ValueError):
    """A member operation was refused; ``key`` and ``values`` make its French message."""

    def __init__(self, key, **values):
        super().__init__(key)
        self.key = key
        self.values = values


def email_key(email):
    """Return the identity form of an address: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


def new_session_token():
    """Return a fresh random session token."""
    return secrets.token_urlsafe(32)


def check_password(password):
    """Raise :class:`MemberError` unless ``password`` has an acceptable length."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise MemberError("member_error.short_password", minimum=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise MemberError("member_error.long_password", maximum=MAX_PASSWORD_LENGTH)
    if password.strip().casefold() in common_passwords():
        raise MemberError("member_error.common_password")


#: French names accepted for roles (CSV files written by people).
ROLE_NAMES = {
    "conseiller": Role.MEMBER, "conseillère": Role.MEMBER, "conseiller·ère": Role.MEMBER,
    "animateur": Role.ANIMATOR, "animatrice": Role.ANIMATOR, "animateur·rice": Role.ANIMATOR,
    "administrateur": Role.ADMIN, "administratrice": Role.ADMIN, "administrateur·rice": Role.ADMIN,
}


def parse_role(value):
    """Return the :class:`Role` named ``value`` (English identifier or French name)."""
    try:
        return ROLE_NAMES.get(fold(value)) or Role(fold(value))
    except ValueError:
        raise MemberError("member_error.unknown_role", value=value,
                          choices=", ".join(r.value for r in Role)) from None


def validate_identity(community, *, email, name, structure, region):
    """Return (e-mail, name, structure, region) cleaned and checked against the community.

    :raises MemberError: on an invalid e-mail, empty name, unknown structure or region.
    """
    email = unicodedata.normalize("NFKC", email).strip()
    if not _EMAIL.match(email):
        raise MemberError("member_error.invalid_email", value=email)
    name = " ".join(name.split())
    if not name:
        raise MemberError("member_error.empty_name")
    found_structure = community.find_structure(structure)
    if found_structure is None:
        raise MemberError("member_error.unknown_structure", value=structure,
                          choices=", ".join(s.name for s in community.structures))
    found_region = community.find_region(region)
    if found_region is None:
        raise MemberError("member_error.unknown_region", value=region, choices=", ".join(community.regions))
    return email, name, found_structure, found_region


def add_member(session, community, *, email, name, structure, region, password, role=Role.MEMBER):
    """Create a member after checking every field against the community: active with
    ``password``, or invited (she chooses it through her invitation) when it is None.

    :raises MemberError: on an invalid or duplicate e-mail, unknown structure, region
        or role, empty name or short password.
    """
    email, name, found_structure, found_region = validate_identity(
        community, email=email, name=name, structure=structure, region=region)
    role = parse_role(role) if isinstance(role, str) else role
    if password is not None:
        check_password(password)
    key = email_key(email)
    if session.scalar(select(Member.id).where(Member.email_key == key)) is not None:
        raise MemberError("member_error.duplicate_email", value=email)
    member = Member(
        email=email, email_key=key, display_name=name, structure=found_structure.name,
        region=found_region, role=role, status=Status.ACTIVE if password is not None else Status.INVITED,
        # "!" matches no password: an invited member cannot log in before choosing hers.
        password_hash=generate_password_hash(password) if password is not None else "!",
        practice_confirmed_at=utcnow() if password is not None else None,
        session_token=new_session_token(),
        session_started_at=int(time.time()),
    )
    session.add(member)
    session.flush()
    return member


def find_member(session, email):
    """Return the member with this e-mail (any case or Unicode form), or None."""
    return session.scalar(select(Member).where(Member.email_key == email_key(email)))


@dataclass(frozen=True)
class SignedInMember:
    """The member behind a request: what pages need, and flask-login's user protocol."""

    id: int
    email: str
    display_name: str
    role: Role
    region: str
    session_token: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    @classmethod
    def of(cls, member):
        """Return the signed-in view of the ORM ``member``."""
        return cls(member.id, member.email, member.display_name, member.role, member.region, member.session_token)

    def get_id(self):
        """Return what the session cookie carries: the revocable token, not the id."""
        return self.session_token


_BY_SESSION_TOKEN = select(Member.id, Member.email, Member.display_name, Member.role, Member.region,
                           Member.session_token).where(
    Member.session_token == bindparam("token"),
    Member.status == Status.ACTIVE.value,
    Member.session_started_at >= bindparam("since"),
)


def member_for_session(database, token, max_age):
    """Return the active member whose session token is ``token``, issued less than
    ``max_age`` (a timedelta) ago, or None. Runs on every request."""
    since = int(time.time() - max_age.total_seconds())
    row = database.fetch_one(_BY_SESSION_TOKEN, token=token, since=since)
    return SignedInMember(row[0], row[1], row[2], Role(row[3]), row[4], row[5]) if row else None


def authenticate(session, email, password):
    """Return the active member with these credentials, or None.

    Takes the same time whether the account exists or not.
    """
    member = find_member(session, email) if len(password) <= MAX_PASSWORD_LENGTH else None
    if member is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not password_matches(member, password) or member.status != Status.ACTIVE:
        return None
    return member


def password_matches(member, password):
    """Return whether ``password`` is the member's (as slowly when she has none yet)."""
    if member.password_hash == "!":  # invited or erased: no password, the same work
        check_password_hash(_DUMMY_HASH, password)
        return False
    return len(password) <= MAX_PASSWORD_LENGTH and check_password_hash(member.password_hash, password)


def record_login(member, max_age):
    """Note a successful login; past half of ``max_age``, start a new session token.

    A new login thus lives at least half of ``max_age``; other devices keep their
    session until then, and no token lives longer than ``max_age``.
    """
    member.last_login_at = utcnow()
    if member.session_started_at < time.time() - max_age.total_seconds() / 2:
        revoke_sessions(member)


def revoke_sessions(member):
    """Make every session and remember cookie of ``member`` useless."""
    member.session_token = new_session_token()
    member.session_started_at = int(time.time())


def set_status(session, email, status):
    """Suspend, remove or reactivate the member with this e-mail; her sessions end."""
    member = _existing_member(session, email)
    member.status = Status(status)
    revoke_sessions(member)
    if member.status != Status.ACTIVE:  # no link sent before may open the account again
        for purpose in TokenPurpose:
            tokens.withdraw(session, member.id, purpose)
    return member


def set_password(session, email, password):
    """Give the member with this e-mail a new password; every session of hers ends."""
    check_password(password)
    return replace_password(session, _existing_member(session, email), password)


def replace_password(session, member, password):
    """Store ``password`` (already checked) for ``member``: her sessions and reset links die."""
    member.password_hash = generate_password_hash(password)
    revoke_sessions(member)
    tokens.withdraw(session, member.id, TokenPurpose.RESET_PASSWORD)
    return member


def _existing_member(session, email):
    member = find_member(session, email)
    if member is None:
        raise MemberError("member_error.not_found", value=email)
    return member


def set_role(session, email, role):
    """Give the member with this e-mail the role ``role``."""
    member = _existing_member(session, email)
    member.role = parse_role(role)
    return member


def list_members(session):
    """Return every member, by name."""
    return session.scalars(select(Member).order_by(Member.display_name, Member.id)).all()


def _plain(text):
    """Return ``text`` folded for matching: case, width and accents ignored."""
    decomposed = unicodedata.normalize("NFKD", fold(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_directory(session, *, text="", structure=None, region=None, limit=200):
    """Return active members matching ``text`` (name or expertise, accents ignored), in a
    structure and region if given, by name."""
    query = select(Member).where(Member.status == Status.ACTIVE)
    if structure:
        query = query.where(Member.structure == structure)
    if region:
        query = query.where(Member.region == region)
    words = _plain(text).split()
    found = [m for m in session.scalars(query.order_by(Member.display_name))
             if all(w in _plain(f"{m.display_name} {m.expertise}") for w in words)]
    return found[:limit]


def update_profile(member, *, display_name, years_of_practice, expertise):
    """Change what the directory shows of ``member``."""
    display_name = " ".join(display_name.split())
    if not display_name:
        raise MemberError("member_error.empty_name")
    member.display_name = display_name
    member.years_of_practice = years_of_practice
    member.expertise = " ".join(expertise.split())[:500]


def confirm_practice(member):
    """Note that ``member`` confirmed she still practises (the yearly check starts again)."""
    member.practice_confirmed_at = utcnow()
    member.practice_reminded_at = None


def erase(session, member, erased_name):
    """Erase a member who asks for it: her name and address go, her comments stay under
    ``erased_name``; she can never log in again."""
    former_address = member.email_key
    member.display_name = erased_name
    member.email = member.email_key = f"efface-{member.id}@entrepairs.invalid"
    member.expertise, member.years_of_practice = "", None
    member.password_hash = "!"
    member.status = Status.REMOVED
    revoke_sessions(member)
    for purpose in TokenPurpose:
        tokens.withdraw(session, member.id, purpose)
    # Her address and name also leave the other tables that held them.
    session.execute(delete(JoinRequest).where(JoinRequest.email_key == former_address))
    session.execute(delete(OutboundMail).where(func.lower(OutboundMail.recipient) == former_address))
    session.execute(update(AuditEvent).where(func.lower(AuditEvent.subject) == former_address)
                    .values(subject=member.email))
