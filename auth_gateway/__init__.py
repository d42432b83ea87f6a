"""The Flask gateway: serves the knowledge base to vetted peers only.

``create_app`` builds everything from configuration; nothing is opened at import time.
"""

import os
from pathlib import Path

from flask import Flask, flash, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from auth_gateway import (account, admin, auth, config, forum, indexing, joining, live, search, security, site,
                          threads)
from auth_gateway.community import DEFAULT_COMMUNITY
from auth_gateway.context import Services
from auth_gateway.database import Database, sqlite_url
from auth_gateway.i18n import translate
from auth_gateway.instance import InstancePaths

csrf = CSRFProtect()


def default_instance_path():
    """Return the instance folder used when neither --instance nor ENTREPAIRS_INSTANCE is given."""
    return Flask(__name__).instance_path


def create_app(test_config=None):
    """Build the gateway of the community whose instance the configuration names.

    Layers: code defaults, ``<instance>/config.yml``, ``ENTREPAIRS_*`` variables, then
    ``test_config``. The instance is ``test_config["INSTANCE_PATH"]``, else
    ``ENTREPAIRS_INSTANCE``, else Flask's instance folder.
    """
    test_config = dict(test_config or {})
    instance_path = test_config.pop("INSTANCE_PATH", None) or os.environ.get("ENTREPAIRS_INSTANCE")
    app = Flask(__name__, instance_path=str(Path(instance_path).resolve()) if instance_path else None,
                static_url_path="/-/static")
    app.config.update(config.DEFAULTS)
    app.config.update(config.read_settings_file(app.instance_path))
    app.config.from_prefixed_env("ENTREPAIRS")
    app.config.update(test_config)
    app.config.update(config.FIXED)
    if not app.config["SECRET_KEY"]:
        raise RuntimeError(f"No SECRET_KEY: run `entrepairs init` for the instance {app.instance_path}")
    secure = app.config["PUBLIC_URL"].startswith("https://")
    app.config.update(SESSION_COOKIE_SECURE=secure, REMEMBER_COOKIE_SECURE=secure)
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])

    paths = InstancePaths(Path(app.instance_path))
    community_file = paths.community_file if paths.community_file.exists() else DEFAULT_COMMUNITY
    database_url = app.config["DATABASE_URL"] or sqlite_url(paths.database_file)
    services = Services(paths=paths, community_file=community_file, database=Database(database_url))
    services.community  # noqa: B018 - validated at start: a broken community.yml stops here
    services.indexer = indexing.follow_discussions(paths, services.database)
    services.live_index = indexing.LiveIndex(paths)
    app.extensions["entrepairs"] = services

    # The gate runs first: an anonymous request is refused before anything else looks at it.
    app.before_request(security.require_member)
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    app.after_request(security.add_security_headers)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(joining.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(threads.bp)
    app.register_blueprint(forum.bp)
    app.register_blueprint(site.bp)  # last: its catch-all route serves the build
    for status in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(status, _error_handler(status))
    app.register_error_handler(CSRFError, _csrf_error)

    @app.context_processor
    def template_globals():
        language = app.config["LANGUAGE"]
        return {
            "t": lambda key, **values: translate(key, language, **values),
            "community": app.extensions["entrepairs"].community,
        }

    return app


def _error_handler(status):
    def handle(_error):
        if not current_user.is_authenticated:
            return render_template("bare.html", title=translate(f"error.{status}.title"),
                                   text=translate(f"error.{status}.text")), status
        return live.error_page(status)

    return handle


def _csrf_error(_error):
    """An expired or missing CSRF token: show the form again with a French message."""
    if request.endpoint == "auth.login":
        flash(translate("form.csrf"), "error")
        return render_template("login.html", form=auth.LoginForm()), 400
    return render_template("bare.html", title=translate("error.400.title"), text=translate("form.csrf")), 400
