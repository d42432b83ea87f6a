"""Login and logout: flask-login with a revocable per-member session token."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user

from auth_gateway import members, ratelimit
from auth_gateway.context import db_session, services
from auth_gateway.forms import LoginForm, LogoutForm
from auth_gateway.i18n import translate
from auth_gateway.security import safe_next

login_manager = LoginManager()
login_manager.login_view = "auth.login"
bp = Blueprint("auth", __name__, url_prefix="/-")


@login_manager.user_loader
def load_member(session_token):
    """Return the active member whose current session token the cookie carries."""
    return members.member_for_session(db_session(), session_token)


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
    account = ratelimit.account_key(members.email_key(form.email.data))
    address = ratelimit.address_key(client_address())
    window = config["LOGIN_LIMIT_WINDOW_SECONDS"]
    limits = [(account, config["LOGIN_LIMIT_PER_ACCOUNT"]), (address, config["LOGIN_LIMIT_PER_ADDRESS"])]
    session = db_session()
    if ratelimit.is_throttled(session, limits, window):
        flash(translate("login.throttled"), "error")
        return render_template("login.html", form=form), 429
    member = members.authenticate(session, form.email.data, form.password.data)
    session.rollback()  # end the read transaction before writing
    with services().database.write() as writer:
        if member is None:
            ratelimit.record_failure(writer, [account, address], window)
        else:
            ratelimit.forget(writer, account)
            members.record_login(writer.merge(member))
    if member is None:
        flash(translate("login.failed"), "error")
        return render_template("login.html", form=form), 401
    login_user(member, remember=form.remember.data)
    return redirect(safe_next(form.next.data) or "/")


@bp.route("/deconnexion", methods=["POST"])
def logout():
    """End every session of the member (this one and any copied cookie)."""
    form = LogoutForm()
    if form.validate_on_submit():
        with services().database.write() as writer:
            members.revoke_sessions(writer.merge(current_user._get_current_object()))
        logout_user()
        flash(translate("login.logged_out"), "info")
    return redirect(url_for("auth.login"))

