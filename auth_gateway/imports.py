"""Invite members in bulk from a CSV file (the pilot's volunteers, a structure's team).

Columns: email, name, structure, region, role (headers in English or French, any
order; comma, semicolon or tab; UTF-8 with or without BOM, or Windows-1252). Every
line is checked before anything is written; a file with an error writes nothing, and
the same file imported twice changes nothing the second time.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from auth_gateway import audit, mail, members, tokens
from auth_gateway.community import fold
from auth_gateway.i18n import translate
from auth_gateway.members import MemberError
from auth_gateway.models import AuditKind, Member, Role, TokenPurpose

MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: Header names accepted for each column (compared case- and accent-insensitively).
HEADERS = {
    "email": {"email", "e-mail", "mail", "courriel", "adresse e-mail", "adresse email"},
    "name": {"name", "nom", "nom complet", "prenom nom", "prénom nom"},
    "structure": {"structure", "employeur", "employer"},
    "region": {"region", "région"},
    "role": {"role", "rôle"},
}
#: An import invites advisors and animators; admins are named one by one (CLI).
IMPORTABLE_ROLES = {Role.MEMBER, Role.ANIMATOR}


class CsvImportError(ValueError):
    """The file as a whole cannot be read; the message is French."""


@dataclass
class ImportLine:
    """One line of the file and what importing it would do."""

    number: int
    email: str
    name: str = ""
    structure: str = ""
    region: str = ""
    role: str = Role.MEMBER.value
    errors: list = field(default_factory=list)
    existing: bool = False

    @property
    def action(self):
        return "error" if self.errors else "unchanged" if self.existing else "create"


def _decode(data):
    if len(data) > MAX_IMPORT_BYTES:
        raise CsvImportError(translate("import.too_big", maximum=MAX_IMPORT_BYTES // (1024 * 1024)))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _columns(header):
    known = {fold(name): column for column, names in HEADERS.items() for name in names}
    columns = {}
    for index, name in enumerate(header):
        column = known.get(fold(name))
        if column is not None and column not in columns:
            columns[column] = index
    missing = [c for c in ("email", "name", "structure", "region") if c not in columns]
    if missing:
        raise CsvImportError(translate("import.missing_columns", columns=", ".join(missing)))
    return columns


def read_lines(data):
    """Return the file's lines as :class:`ImportLine` (fields only, not yet checked)."""
    text = _decode(data)
    sample = text[:4096]
    delimiter = max(",;\t", key=sample.split("\n", 1)[0].count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvImportError(translate("import.empty")) from None
    columns = _columns(header)
    lines = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        values = {column: row[index].strip() if index < len(row) else "" for column, index in columns.items()}
        lines.append(ImportLine(number=reader.line_num, email=values["email"], name=values["name"],
                                structure=values["structure"], region=values["region"],
                                role=values.get("role") or Role.MEMBER.value))
    return lines


def plan(session, community, data):
    """Check every line of the CSV ``data`` against the community and the base."""
    lines = read_lines(data)
    keys = {members.email_key(line.email) for line in lines}
    existing = set()
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        chunk = key_list[start:start + 500]
        existing.update(session.scalars(select(Member.email_key).where(Member.email_key.in_(chunk))))
    first_line = {}
    for line in lines:
        try:
            members.validate_identity(community, email=line.email, name=line.name, structure=line.structure,
                                      region=line.region)
            role = members.parse_role(line.role)
            if role not in IMPORTABLE_ROLES:
                raise MemberError("import.role_not_importable", value=line.role)
        except MemberError as error:
            line.errors.append(translate(error.key, **error.values))
        structure = community.find_structure(line.structure)
        if structure is not None and structure.email_domains and not structure.owns_email(line.email):
            line.errors.append(translate("import.foreign_domain", email=line.email, structure=structure.name,
                                         domains=", ".join(structure.email_domains)))
        key = members.email_key(line.email)
        if key in first_line:
            line.errors.append(translate("import.duplicate_line", line=first_line[key]))
        else:
            first_line[key] = line.number
        line.existing = key in existing
    return lines


def send_invitation(session, member):
    """Issue an invitation link for ``member`` and queue its e-mail."""
    days = current_app.config["INVITATION_LINK_DAYS"]
    secret = tokens.issue(session, member.id, TokenPurpose.INVITATION, timedelta(days=days))
    mail.queue(session, member.email, "invitation", name=member.display_name, days=days,
               link=mail.public_link("account.accept_invitation", secret=secret))


def apply(session, community, lines, *, actor_id=None, address="cli"):
    """Create and invite the members of the lines marked "create"; return how many.

    :raises CsvImportError: when a line has an error: nothing is written then.
    """
    if any(line.errors for line in lines):
        raise CsvImportError(translate("import.has_errors"))
    created = 0
    for line in lines:
        if line.action != "create":
            continue
        member = members.add_member(session, community, email=line.email, name=line.name, structure=line.structure,
                                    region=line.region, password=None, role=line.role)
        send_invitation(session, member)
        created += 1
    if created:
        audit.record(session, AuditKind.INVITED, actor_id=actor_id, subject=translate("import.audit_subject"),
                     detail=str(created), address=address)
    return created
