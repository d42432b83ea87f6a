"""A member's account: forgotten password, links sent by e-mail (reset, invitation),
change of password, profile, the yearly confirmation of practice, the directory."""

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from auth_gateway import audit, mail, members, ratelimit, tokens
from auth_gateway.auth import client_address
from auth_gateway.context import services
from auth_gateway.forms import (ChangePasswordForm, ForgotPasswordForm, InvitationForm, NewPasswordForm,
                                ProfileForm)
from auth_gateway.i18n import translate
from auth_gateway.live import shell_page
from auth_gateway.members import MemberError, SignedInMember
from auth_gateway.models import AuditKind, Member, Status, TokenPurpose
from auth_gateway.permissions import Permission, can, require

bp = Blueprint("account", __name__, url_prefix="/-")

#: Reset requests allowed per address and per account within an hour.
RESET_LIMITS = ratelimit.Limits(per_account=3, per_address=20, window_seconds=3600, owner_passes=False)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password():
    """Send a reset link; the answer is the same whether the address is known or not."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("account/forgot.html", form=form), 400 if form.errors else 200
    config = current_app.config
    attempt = ratelimit.Attempt(members.email_key(form.email.data), client_address(), scope="reset")
    with services().database.write() as writer:
        allowed = ratelimit.reserve(writer, attempt, RESET_LIMITS) is not None
        member = members.find_member(writer, form.email.data) if allowed else None
        hours = config["RESET_LINK_HOURS"]
        if member is not None and member.status == Status.ACTIVE:
            secret = tokens.issue(writer, member.id, TokenPurpose.RESET_PASSWORD, timedelta(hours=hours))
            mail.queue(writer, member.email, "reset_password", name=member.display_name, hours=hours,
                       link=mail.public_link("account.reset_password", secret=secret))
        else:  # the same work, thrown away: the answer takes as long for any address
            mail.render(form.email.data, "reset_password", name="", hours=hours,
                        link=mail.public_link("account.reset_password", secret="x" * 43))
    flash(translate("reset.sent"), "info")
    return redirect(url_for("auth.login"), 303)


def _invalid_link():
    return render_template("bare.html", title=translate("error.link.title"), text=translate("error.link.text")), 404


def _choose_password(secret, purpose, template, form_class=NewPasswordForm):
    """Show and take the form that sets a password through a link sent by e-mail."""
    # An invitation is for an invited member only, a reset for an active one: a link
    # left over from before a suspension or removal opens nothing.
    expected = Status.INVITED if purpose == TokenPurpose.INVITATION else Status.ACTIVE
    with services().database.session() as reader:
        token = tokens.find(reader, secret, purpose)
        member = reader.get(Member, token.member_id) if token else None
    if member is None or member.status != expected:
        return _invalid_link()
    form = form_class()
    if form.validate_on_submit():
        try:
            members.check_password(form.password.data)
            with services().database.write() as writer:
                token = tokens.use(writer, secret, purpose)
                holder = writer.get(Member, token.member_id) if token else None
                if holder is None or holder.status != expected:  # used or changed in the meantime
                    return _invalid_link()
                chosen = members.replace_password(writer, holder, form.password.data)
                if purpose == TokenPurpose.INVITATION:
                    chosen.status = Status.ACTIVE
                    members.confirm_practice(chosen)
                    members.update_profile(chosen, display_name=chosen.display_name,
                                           years_of_practice=form.years_of_practice.data,
                                           expertise=form.expertise.data or "")
                else:
                    audit.record(writer, AuditKind.PASSWORD_RESET, actor_id=chosen.id, subject=chosen.email,
                                 address=client_address())
                signed_in = SignedInMember.of(chosen)
        except MemberError as error:
            form.password.errors.append(translate(error.key, **error.values))
        else:
            if purpose == TokenPurpose.INVITATION:
                login_user(signed_in)
                return redirect("/", 303)
            flash(translate("reset.done"), "info")
            return redirect(url_for("auth.login"), 303)
    status = 400 if form.errors else 200
    return render_template(template, form=form, member=member), status


@bp.route("/mot-de-passe/<secret>", methods=["GET", "POST"])
def reset_password(secret):
    """Choose a new password through a reset link (single use, expiring)."""
    return _choose_password(secret, TokenPurpose.RESET_PASSWORD, "account/reset.html")


@bp.route("/invitation/<secret>", methods=["GET", "POST"])
def accept_invitation(secret):
    """Join through an invitation link: choose a password, complete the profile, come in."""
    return _choose_password(secret, TokenPurpose.INVITATION, "account/invitation.html", InvitationForm)


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@require(Permission.ACCOUNT_USE)
def change_password():
    """Change one's password; every other session of hers ends, this one goes on."""
    form = ChangePasswordForm()
    done = False
    if form.validate_on_submit():
        try:
            members.check_password(form.password.data)
            with services().database.write() as writer:
                member = writer.get(Member, current_user.id)
                if not members.password_matches(member, form.current.data):
                    raise MemberError("member_error.wrong_password")
                members.replace_password(writer, member, form.password.data)
                audit.record(writer, AuditKind.PASSWORD_CHANGED, actor_id=member.id, subject=member.email,
                             address=client_address())
                signed_in = SignedInMember.of(member)
        except MemberError as error:
            field = form.current if error.key == "member_error.wrong_password" else form.password
            field.errors.append(translate(error.key, **error.values))
        else:
            login_user(signed_in)  # this session carries the new token
            done = True
    content_html = render_template("account/change_password.html", form=form, done=done)
    return shell_page(translate("password.title"), content_html, 400 if form.errors else 200)


@bp.route("/compte", methods=["GET", "POST"])
@require(Permission.ACCOUNT_USE)
def profile():
    """Edit one's profile (name, years of practice, areas of expertise)."""
    with services().database.session() as reader:
        member = reader.get(Member, current_user.id)
        form = ProfileForm(obj=member)
    saved = False
    if form.validate_on_submit():
        with services().database.write() as writer:
            members.update_profile(writer.get(Member, current_user.id), display_name=form.display_name.data,
                                   years_of_practice=form.years_of_practice.data, expertise=form.expertise.data or "")
        saved = True
    content_html = render_template("account/profile.html", form=form, saved=saved, member=member,
                                   moderation=can(current_user, Permission.MEMBERS_MANAGE),
                                   administration=can(current_user, Permission.AUDIT_READ))
    return shell_page(translate("profile.title"), content_html, 400 if form.errors else 200)


@bp.route("/compte/exercice", methods=["GET", "POST"])
@require(Permission.ACCOUNT_USE)
def confirm_practice():
    """Confirm that one still practises (asked once a year)."""
    confirmed = False
    if request.method == "POST":
        with services().database.write() as writer:
            members.confirm_practice(writer.get(Member, current_user.id))
        confirmed = True
    content_html = render_template("account/practice.html", confirmed=confirmed)
    return shell_page(translate("practice.title"), content_html)


@bp.get("/membres")
@require(Permission.DIRECTORY_READ)
def directory():
    """Find peers by name, structure, region or expertise ("qui peut m'aider sur la VAE ?")."""
    community = services().community
    text = request.args.get("q", "")[:200]
    structure = request.args.get("structure") or None
    region = request.args.get("region") or None
    with services().database.session() as reader:
        found = members.search_directory(reader, text=text, structure=structure, region=region)
        content_html = render_template("account/directory.html", found=found, text=text, structure=structure,
                                       region=region, community=community)
    return shell_page(translate("directory.title"), content_html)
