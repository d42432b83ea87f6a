"""Settings of the gateway: code defaults, then the instance's file, then the environment.

Every setting is listed once here, with what it does. ``create_app`` layers them:
these defaults, then ``<instance>/config.yml`` (written by ``entrepairs init``), then
``ENTREPAIRS_*`` environment variables (``ENTREPAIRS_SECRET_KEY`` -> ``SECRET_KEY``),
then the mapping given to ``create_app`` (tests).
"""

from datetime import timedelta
from pathlib import Path

import yaml

#: Name of the instance's settings file (secrets live here: mode 0600).
SETTINGS_FILE = "config.yml"

DEFAULTS = {
    # Signs sessions and CSRF tokens. `entrepairs init` writes a random one into the
    # instance's config.yml; the app refuses to start without one.
    "SECRET_KEY": None,
    # SQLAlchemy URL. Empty: SQLite file `entrepairs.db` in the instance (WAL).
    "DATABASE_URL": "",
    # Public origin of the community, used for absolute links (e-mails) and to decide
    # whether cookies are marked Secure (https).
    "PUBLIC_URL": "http://127.0.0.1:8000",
    # Language of everything members read (see auth_gateway/translations/).
    "LANGUAGE": "fr",
    # Time zone in which dates are shown to members.
    "TIMEZONE": "Europe/Paris",
    # mkdocs strict mode: a broken link or a missing page makes the build fail.
    "BUILD_STRICT": True,
    # Failed logins allowed per account, and per client address, within the window.
    "LOGIN_LIMIT_PER_ACCOUNT": 5,
    "LOGIN_LIMIT_PER_ADDRESS": 30,
    "LOGIN_LIMIT_WINDOW_SECONDS": 900,
    # How long "rester connecté" keeps a member logged in.
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    # Lifetime of the session cookie when "rester connecté" is not ticked.
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    # SMTP server for e-mails, e.g. smtp://user:password@host:587 (STARTTLS) or
    # smtps://host:465. Empty: e-mails are written as .eml files into <instance>/outbox.
    "SMTP_URL": "",
    # Sender of the community's e-mails.
    "MAIL_FROM": "Entrepairs <ne-pas-repondre@entrepairs.invalid>",
    # Tries before an e-mail is marked failed (delays double from 30 s).
    "MAIL_MAX_ATTEMPTS": 6,
    # How long links sent by e-mail stay valid.
    "RESET_LINK_HOURS": 2,
    "INVITATION_LINK_DAYS": 14,
    # Every member confirms once per period that she still practises; a reminder goes
    # out this many days before the end; unconfirmed accounts are then suspended.
    "PRACTICE_CONFIRMATION_DAYS": 365,
    "PRACTICE_REMINDER_DAYS": 30,
    # Behind a reverse proxy that sets X-Forwarded-For, the number of proxies to trust
    # for the client address used by rate limits (0: use the socket address).
    "TRUSTED_PROXIES": 0,
}

#: Flask settings derived from the ones above, fixed by design (not configurable).
FIXED = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "entrepairs_session",
    "REMEMBER_COOKIE_NAME": "entrepairs_remember",
    # CSRF tokens live as long as the session.
    "WTF_CSRF_TIME_LIMIT": None,
    # Largest request body: a 50 MB members file and its form (larger: 413).
    "MAX_CONTENT_LENGTH": 50 * 1024 * 1024 + 64 * 1024,
}


def read_settings_file(instance_path):
    """Return the settings mapping stored in the instance, or an empty one."""
    path = Path(instance_path) / SETTINGS_FILE
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of settings")
    unknown = sorted(set(data) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"{path}: unknown settings {', '.join(unknown)}")
    return data


def write_settings_file(instance_path, settings):
    """Write the instance's settings file, readable by its owner only."""
    path = Path(instance_path) / SETTINGS_FILE
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=True), encoding="utf-8")
