"""Login and logout: flask-login with a revocable per-member session token."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user

from auth_gateway import audit, members, ratelimit
from auth_gateway.context import services
from auth_gateway.forms import LoginForm, LogoutForm
from auth_gateway.i18n import translate
from auth_gateway.models import AuditKind, Member
from auth_gateway.security import safe_next

login_manager = LoginManager()
login_manager.login_view = "auth.login"
bp = Blueprint("auth", __name__, url_prefix="/-")


@login_manager.user_loader
def load_member(session_token):
    """Return the active member whose current session token the cookie carries."""
    return members.member_for_session(services().database, session_token,
                                      current_app.config["REMEMBER_COOKIE_DURATION"])


def client_address():
    """Return the client's address (made right behind trusted proxies by ProxyFix)."""
    return request.remote_addr or ""


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """Show the login form; log the member in when the credentials are right."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data) or "/")
        return render_template("login.html", form=form)
    if not form.validate_on_submit():
        return render_template("login.html", form=form), 400
    config = current_app.config
    limits = ratelimit.Limits(config["LOGIN_LIMIT_PER_ACCOUNT"], config["LOGIN_LIMIT_PER_ADDRESS"],
                              config["LOGIN_LIMIT_WINDOW_SECONDS"])
    attempt = ratelimit.Attempt(members.email_key(form.email.data), client_address())
    database = services().database
    with database.write() as writer:
        reserved = ratelimit.reserve(writer, attempt, limits)
    if reserved is None:
        flash(translate("login.throttled"), "error")
        return render_template("login.html", form=form), 429
    # The password check (scrypt) runs outside any write transaction.
    with database.session() as reader:
        member = members.authenticate(reader, form.email.data, form.password.data)
        member_id = member.id if member else None
    if member_id is None:
        with database.write() as writer:
            audit.record(writer, AuditKind.LOGIN_FAILED, subject=form.email.data, address=attempt.address)
        flash(translate("login.failed"), "error")
        return render_template("login.html", form=form), 401
    with database.write() as writer:
        ratelimit.succeed(writer, attempt, reserved)
        member = writer.get(Member, member_id)
        members.record_login(member, config["REMEMBER_COOKIE_DURATION"])
        audit.record(writer, AuditKind.LOGIN, actor_id=member.id, subject=member.email, address=attempt.address)
        signed_in = members.SignedInMember.of(member)
    login_user(signed_in, remember=form.remember.data)
    return redirect(safe_next(form.next.data) or "/")


@bp.route("/deconnexion", methods=["POST"])
def logout():
    """End every session of the member (this one and any copied cookie)."""
    form = LogoutForm()
    if form.validate_on_submit():
        with services().database.write() as writer:
            members.revoke_sessions(writer.get(Member, current_user.id))
        logout_user()
        flash(translate("login.logged_out"), "info")
    return redirect(url_for("auth.login"))

