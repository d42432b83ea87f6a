"""Running the community: members (suspend, reactivate, roles, erasure, export), the
community's settings and the audit log. Animators suspend and reactivate; admins also
assign roles, erase, export, edit settings."""

import csv
import io
import re
import secrets

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from auth_gateway import audit, imports, members
from auth_gateway.auth import client_address
from auth_gateway.community import CommunityError, dump, save_community
from auth_gateway.context import services
from auth_gateway.i18n import format_datetime, translate
from auth_gateway.live import shell_page
from auth_gateway.models import AuditKind, Member, Role, Status
from auth_gateway.permissions import Permission, can, require

bp = Blueprint("admin", __name__, url_prefix="/-/admin")

MEMBERS_PER_PAGE = 100
#: Spreadsheets run a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Return ``value`` so that no spreadsheet runs it as a formula (a leading quote)."""
    text = str(value if value is not None else "")
    return "'" + text if text.startswith(_FORMULA_START) else text


@bp.get("/membres", endpoint="members")
@require(Permission.MEMBERS_MANAGE)
def member_list():
    """List members (search by name or e-mail, filter by status), with their actions."""
    text = request.args.get("q", "")[:200].casefold()
    status = request.args.get("statut") or None
    with services().database.session() as reader:
        query = select(Member).order_by(Member.display_name, Member.id)
        if status in set(Status):
            query = query.where(Member.status == status)
        found = [m for m in reader.scalars(query) if text in m.display_name.casefold() or text in m.email_key]
        content_html = render_template(
            "admin/members.html", found=found[:MEMBERS_PER_PAGE], total=len(found), text=text, status=status,
            statuses=list(Status), roles=list(Role), can_assign=can(current_user, Permission.ROLES_ASSIGN),
            can_erase=can(current_user, Permission.MEMBERS_ERASE),
            can_export=can(current_user, Permission.MEMBERS_EXPORT))
    return shell_page(translate("admin.members.title"), content_html)


def may_set_status(actor, member, status):
    """Return whether ``actor`` may give ``member`` the status ``status``.

    Admins may do anything; an animator only suspends and reactivates the advisors of
    her own region (never an animator or admin, never a removed or invited account).
    """
    if actor.role == Role.ADMIN:
        return True
    return (member.role == Role.MEMBER and member.region == actor.region
            and member.status in (Status.ACTIVE, Status.SUSPENDED) and status in (Status.ACTIVE, Status.SUSPENDED))


def _change(member_id, change, kind, detail="", allowed=lambda member: True):
    """Apply ``change(member)`` to another member and log it; back to the list."""
    if member_id == current_user.id:
        abort(403)  # nobody suspends, demotes or erases herself by mistake
    with services().database.write() as writer:
        member = writer.get(Member, member_id) or abort(404)
        if not allowed(member):
            abort(403)
        subject = member.email
        change(writer, member)
        audit.record(writer, kind, actor_id=current_user.id, subject=subject, detail=detail,
                     address=client_address())
    return redirect(url_for("admin.members"), 303)


@bp.post("/membres/<int:member_id>/statut")
@require(Permission.MEMBERS_MANAGE)
def set_status(member_id):
    """Suspend or reactivate a member (her sessions end at once); admins also remove."""
    status = request.form.get("status", "")
    if status not in (Status.SUSPENDED, Status.ACTIVE, Status.REMOVED):
        abort(400)
    return _change(member_id, lambda w, m: members.set_status(w, m.email, status), AuditKind.STATUS_CHANGED,
                   status, allowed=lambda m: may_set_status(current_user, m, Status(status)))


@bp.post("/membres/<int:member_id>/role")
@require(Permission.ROLES_ASSIGN)
def set_role(member_id):
    """Give a member another role (animator of her region, admin)."""
    role = request.form.get("role", "")
    if role not in set(Role):
        abort(400)
    return _change(member_id, lambda w, m: members.set_role(w, m.email, role), AuditKind.ROLE_CHANGED, role)


@bp.post("/membres/<int:member_id>/effacer")
@require(Permission.MEMBERS_ERASE)
def erase(member_id):
    """Erase a member at her request: name and address go, comments stay anonymous."""
    return _change(member_id, lambda w, m: members.erase(w, m, translate("member.erased_name")), AuditKind.ERASED)


@bp.get("/membres.csv")
@require(Permission.MEMBERS_EXPORT)
def export():
    """Export members as CSV (for a spreadsheet: no cell can run as a formula)."""
    buffer = io.StringIO()
    # Semicolons (what French spreadsheets split on) and every cell quoted: no cell can
    # break into another; a leading formula character gets a quote.
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL)
    writer.writerow(["email", "name", "structure", "region", "role", "status", "years_of_practice", "expertise"])
    with services().database.session() as reader:
        for m in reader.scalars(select(Member).order_by(Member.id)):
            writer.writerow([spreadsheet_safe(v) for v in (m.email, m.display_name, m.structure, m.region, m.role,
                                                            m.status, m.years_of_practice, m.expertise)])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=membres.csv"})


@bp.get("/journal")
@require(Permission.AUDIT_READ)
def audit_log():
    """Read the audit log: logins, failed logins, roles, statuses, decisions."""
    timezone = current_app.config["TIMEZONE"]
    with services().database.session() as reader:
        events = audit.latest(reader)
        names = dict(reader.execute(select(Member.id, Member.display_name)
                                    .where(Member.id.in_({e.actor_id for e in events if e.actor_id}))).all())
        rows = [(format_datetime(e.at, timezone), names.get(e.actor_id, ""), e) for e in events]
        content_html = render_template("admin/audit.html", rows=rows)
    return shell_page(translate("admin.audit.title"), content_html)


def _cells(line):
    return [cell.strip() for cell in line.split("|")]


def _items(cell):
    return [item.strip() for item in cell.split(",") if item.strip()]


def community_from_text(current, structures, regions, eligibility):
    """Return community.yml's mapping with the three sections replaced by the text typed.

    :raises CommunityError: on a badly formed line (French message with its number).
    """
    data = dump(current)
    data["structures"] = []
    for number, line in enumerate(structures.splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line) + ["", ""]
        if not cells[0]:
            raise CommunityError(translate("community.bad_structure", line=number))
        data["structures"].append({"name": cells[0], "aliases": _items(cells[1]), "email_domains": _items(cells[2])})
    data["regions"] = [line.strip() for line in regions.splitlines() if line.strip()]
    data["eligibility"] = []
    for number, line in enumerate(eligibility.splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line)
        if len(cells) != 3 or cells[2] not in ("oui", "non"):
            raise CommunityError(translate("community.bad_question", line=number))
        data["eligibility"].append({"id": cells[0], "question": cells[1], "expected": cells[2]})
    return data


def community_as_text(community):
    """Return the three editable sections of ``community`` as the page's text areas show them."""
    return {
        "structures": "\n".join(f"{s.name} | {', '.join(s.aliases)} | {', '.join(s.email_domains)}"
                                for s in community.structures),
        "regions": "\n".join(community.regions),
        "eligibility": "\n".join(f"{q.id} | {q.question} | {q.expected}" for q in community.eligibility),
    }


@bp.route("/communaute", methods=["GET", "POST"])
@require(Permission.COMMUNITY_EDIT)
def community_settings():
    """Edit what is safe to edit online: structures and their e-mail domains, regions,
    eligibility questions (name, profession and categories stay in the file)."""
    current = services().community
    texts = community_as_text(current)
    error, saved, status = None, False, 200
    if request.method == "POST":
        texts = {key: request.form.get(key, "") for key in texts}
        try:
            data = community_from_text(current, **texts)
            with services().database.write() as writer:
                # Always the instance's own file (never the packaged default).
                save_community(services().paths.community_file, data)
                services().community_file = services().paths.community_file
                audit.record(writer, AuditKind.COMMUNITY_EDITED, actor_id=current_user.id,
                             subject="community.yml", address=client_address())
            saved = True
        except CommunityError as problem:
            error, status = str(problem), 400
    content_html = render_template("admin/community.html", texts=texts, error=error, saved=saved)
    return shell_page(translate("community.title"), content_html, status)


def _uploads():
    folder = services().paths.root / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _render_import(lines=None, upload=None, error=None, done=None, status=200):
    counts = ({action: sum(line.action == action for line in lines) for action in ("create", "unchanged", "error")}
              if lines is not None else None)
    content_html = render_template("admin/import.html", lines=lines, counts=counts, upload=upload, error=error,
                                   done=done)
    return shell_page(translate("import.title"), content_html, status)


@bp.route("/import", methods=["GET", "POST"])
@require(Permission.MEMBERS_IMPORT)
def import_members():
    """Upload a CSV file and preview, line by line, what importing it would do."""
    if request.method == "GET":
        return _render_import()
    uploaded = request.files.get("file")
    if uploaded is None or not uploaded.filename:
        return _render_import(error=translate("import.no_file"), status=400)
    data = uploaded.read(imports.MAX_IMPORT_BYTES + 1)
    try:
        with services().database.session() as reader:
            lines = imports.plan(reader, services().community, data)
    except imports.CsvImportError as problem:
        return _render_import(error=str(problem), status=400)
    upload = None
    if not any(line.errors for line in lines):
        upload = secrets.token_urlsafe(16)
        (_uploads() / f"{upload}.csv").write_bytes(data)
    return _render_import(lines=lines, upload=upload, status=400 if upload is None else 200)


@bp.post("/import/<upload>")
@require(Permission.MEMBERS_IMPORT)
def confirm_import(upload):
    """Import the previewed file: create and invite its new members."""
    path = _uploads() / f"{upload}.csv"
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,40}", upload) or not path.exists():
        abort(404)
    try:
        with services().database.write() as writer:
            lines = imports.plan(writer, services().community, path.read_bytes())
            created = imports.apply(writer, services().community, lines, actor_id=current_user.id,
                                    address=client_address())
    except imports.CsvImportError as problem:
        return _render_import(error=str(problem), status=400)
    path.unlink()
    return _render_import(done=created)
