"""Forms of the gateway (Flask-WTF: every form carries a CSRF token)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from auth_gateway.i18n import translate


class LoginForm(FlaskForm):
    """E-mail and password; ``next`` is where to go after (checked by safe_next)."""

    email = EmailField(validators=[DataRequired(message=translate("form.required")), Length(max=320)])
    password = PasswordField(validators=[DataRequired(message=translate("form.required")), Length(max=1024)])
    remember = BooleanField(default=False)
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logout is a POST with a CSRF token, never a link."""


class ForgotPasswordForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField(validators=[DataRequired(message=translate("form.required")), Length(max=320)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice (reset link, invitation)."""

    password = PasswordField(validators=[DataRequired(message=translate("form.required")), Length(max=1024)])
    confirm = PasswordField(validators=[DataRequired(message=translate("form.required")),
                                        EqualTo("password", message=translate("form.password_mismatch"))])


class InvitationForm(NewPasswordForm):
    """Choosing a password when joining, and the profile's first lines (optional)."""

    years_of_practice = IntegerField(validators=[Optional(), NumberRange(min=0, max=60, message=translate(
        "form.years_range"))])
    expertise = StringField(validators=[Length(max=500)])


class ChangePasswordForm(NewPasswordForm):
    """The current password, then the new one twice."""

    current = PasswordField(validators=[DataRequired(message=translate("form.required")), Length(max=1024)])


class JoinForm(FlaskForm):
    """Who asks to join; structure and region are checked against community.yml (French
    messages) rather than by WTForms' choice validation."""

    email = EmailField(validators=[DataRequired(message=translate("form.required")), Length(max=320)])
    name = StringField(validators=[DataRequired(message=translate("form.required")), Length(max=200)])
    structure = SelectField(validate_choice=False, validators=[DataRequired(message=translate("form.required"))])
    region = SelectField(validate_choice=False, validators=[DataRequired(message=translate("form.required"))])
    job_title = StringField(validators=[DataRequired(message=translate("form.required")), Length(max=200)])


class ProfileForm(FlaskForm):
    """What the directory shows of a member."""

    display_name = StringField(validators=[DataRequired(message=translate("form.required")), Length(max=200)])
    years_of_practice = IntegerField(validators=[Optional(), NumberRange(min=0, max=60, message=translate(
        "form.years_range"))])
    expertise = StringField(validators=[Length(max=500)])
