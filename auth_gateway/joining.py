"""Asking to join (public), confirming one's address, and the animators' decisions."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from auth_gateway import audit, join_requests, mail, members, ratelimit
from auth_gateway.auth import client_address
from auth_gateway.context import services
from auth_gateway.forms import JoinForm
from auth_gateway.i18n import translate
from auth_gateway.imports import send_invitation
from auth_gateway.live import shell_page
from auth_gateway.members import MemberError
from auth_gateway.models import AuditKind
from auth_gateway.permissions import Permission, require

bp = Blueprint("joining", __name__, url_prefix="/-")

#: Requests allowed per address and per e-mail within an hour (the answer never says so).
JOIN_LIMITS = ratelimit.Limits(per_account=3, per_address=10, window_seconds=3600, owner_passes=False)


def _answers(community):
    return {q.id: request.form.get(f"q_{q.id}", "") for q in community.eligibility}


@bp.route("/rejoindre", methods=["GET", "POST"])
def join():
    """Ask to join: who she is, where she works, and the eligibility questions."""
    community = services().community
    form = JoinForm()
    form.structure.choices = [(s.name, s.name) for s in community.structures]
    form.region.choices = [(r, r) for r in community.regions]
    answers = _answers(community) if request.method == "POST" else {}
    if not form.validate_on_submit() or any(not answers.get(q.id) for q in community.eligibility):
        missing = request.method == "POST" and any(not answers.get(q.id) for q in community.eligibility)
        return render_template("joining/join.html", form=form, community=community, answers=answers,
                               missing_answers=missing), 400 if request.method == "POST" else 200
    if not join_requests.eligible(community, answers):
        return render_template("bare.html", title=translate("join.ineligible.title"),
                               text=translate("join.ineligible.text", profession=community.profession))
    attempt = ratelimit.Attempt(members.email_key(form.email.data), client_address(), scope="join")
    try:
        with services().database.write() as writer:
            if ratelimit.reserve(writer, attempt, JOIN_LIMITS) is not None:
                secret = join_requests.submit(writer, community, email=form.email.data, name=form.name.data,
                                              structure=form.structure.data, region=form.region.data,
                                              job_title=form.job_title.data)
                # A member's own address: the same work, thrown away (same answer, same time).
                job = mail.render(form.email.data.strip(), "join_confirm", name=form.name.data,
                                  link=mail.public_link("joining.confirm", secret=secret or "x" * 43))
                if secret is not None:
                    writer.add(job)
    except MemberError as error:
        field = {"member_error.invalid_email": form.email, "join.empty_job_title": form.job_title,
                 "member_error.unknown_structure": form.structure,
                 "member_error.unknown_region": form.region}.get(error.key, form.name)
        field.errors.append(translate(error.key, **error.values))
        return render_template("joining/join.html", form=form, community=community, answers=answers,
                               missing_answers=False), 400
    # The same answer for a new address, a member's address, or a throttled attempt.
    return render_template("bare.html", title=translate("join.sent.title"), text=translate("join.sent.text"))


@bp.get("/rejoindre/confirmer/<secret>")
def confirm(secret):
    """Confirm one's address: the request then waits for an animator."""
    with services().database.write() as writer:
        confirmed = join_requests.confirm(writer, secret)
    if confirmed is None:
        return render_template("bare.html", title=translate("error.link.title"),
                               text=translate("error.link.text")), 404
    return render_template("bare.html", title=translate("join.confirmed.title"),
                           text=translate("join.confirmed.text"))


@bp.get("/membres/demandes")
@require(Permission.JOIN_REQUEST_DECIDE)
def requests():
    """List the confirmed requests the animator (her region) or admin may decide."""
    with services().database.session() as reader:
        pending = join_requests.pending_for(reader, current_user)
        content_html = render_template("joining/requests.html", pending=pending)
    return shell_page(translate("join.requests.title"), content_html)


@bp.post("/membres/demandes/<int:request_id>/decision")
@require(Permission.JOIN_REQUEST_DECIDE)
def decide(request_id):
    """Approve (she is invited by e-mail) or refuse with a reason (she is told why)."""
    approve = request.form.get("decision") == "approve"
    reason = request.form.get("reason", "")
    try:
        with services().database.write() as writer:
            decided, member = join_requests.decide(writer, services().community, request_id=request_id,
                                                   decider=current_user, approve=approve, reason=reason)
            if member is not None:
                send_invitation(writer, member)
            else:
                mail.queue(writer, decided.email, "join_refused", name=decided.display_name, reason=decided.reason)
            audit.record(writer, AuditKind.JOIN_APPROVED if approve else AuditKind.JOIN_REFUSED,
                         actor_id=current_user.id, subject=decided.email, detail=decided.reason or "",
                         address=client_address())
    except LookupError:
        abort(404)
    except MemberError as error:
        content_html = render_template("parts/message.html", title=translate("join.requests.title"),
                                       text=translate(error.key, **error.values),
                                       back=url_for("joining.requests"))
        return shell_page(translate("join.requests.title"), content_html, 400)
    return redirect(url_for("joining.requests"), 303)
