"""Forms of the gateway (Flask-WTF: every form carries a CSRF token)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from auth_gateway.i18n import translate


class LoginForm(FlaskForm):
    """E-mail and password; ``next`` is where to go after (checked by safe_next)."""

    email = EmailField(validators=[DataRequired(message=translate("form.required")), Length(max=320)])
    password = PasswordField(validators=[DataRequired(message=translate("form.required")), Length(max=1024)])
    remember = BooleanField(default=False)
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logout is a POST with a CSRF token, never a link."""
