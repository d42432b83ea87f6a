"""Running the community: members (suspend, reactivate, roles, erasure, export) and the
audit log. Animators suspend and reactivate; admins also assign roles, erase, export."""

import csv
import io

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from auth_gateway import audit, members
from auth_gateway.auth import client_address
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


def _change(member_id, change, kind, detail=""):
    """Apply ``change(member)`` to another member and log it; back to the list."""
    if member_id == current_user.id:
        abort(403)  # nobody suspends, demotes or erases herself by mistake
    with services().database.write() as writer:
        member = writer.get(Member, member_id) or abort(404)
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
    if status == Status.REMOVED and not can(current_user, Permission.MEMBERS_ERASE):
        abort(403)
    return _change(member_id, lambda w, m: members.set_status(w, m.email, status), AuditKind.STATUS_CHANGED,
                   status)


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
    writer = csv.writer(buffer)
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
