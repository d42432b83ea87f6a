"""Serve the live build of the knowledge base to members, with the gateway's parts put in.

Built pages carry markers (see auth_gateway/theme): the header's, filled with the
search form and the member's menu, and the page's thread marker (next: its thread).
"""

import os
import re
from functools import lru_cache
from urllib.parse import quote

from flask import Blueprint, abort, redirect, render_template, request, send_file, session
from flask_login import current_user
from markupsafe import escape

from auth_gateway.context import services
from auth_gateway.i18n import translate
from auth_gateway.publish import load_live_build
from auth_gateway.security import content_security_policy

bp = Blueprint("site", __name__)

HEADER_MARKER = b"<!--entrepairs:header-->"
GATEWAY_TITLE_MARKER = b"ENTREPAIRS_GATEWAY_TITLE"
GATEWAY_CONTENT_MARKER = b"<!--entrepairs:gateway-content-->"
#: Theme assets whose name carries a content hash: they never change under one name.
_FINGERPRINTED = re.compile(r"^assets/.+\.[0-9a-f]{8}\.min\.(?:js|css)$")
_ONE_YEAR = 365 * 24 * 3600
#: Where Flask-WTF keeps the session's raw CSRF token (WTF_CSRF_FIELD_NAME).
CSRF_SESSION_KEY = "csrf_token"


def live_build():
    """Return the live build (re-read only when the ``site`` symlink moved), or None."""
    paths = services().paths
    cache = services().live
    try:
        target = os.readlink(paths.live_site)
    except FileNotFoundError:
        return None
    if cache.get("target") != target:
        build = load_live_build(paths)
        cache.update(target=target, build=build, csp=content_security_policy(build.script_hashes))
    return cache["build"]


@lru_cache(maxsize=256)
def _read(path):
    # Builds are immutable (one folder per commit): a path's bytes never change.
    with open(path, "rb") as file:
        return file.read()


def resolve(root, path):
    """Return the file under ``root`` that ``path`` names, a redirect target, or None.

    Refuses any segment that is empty-dot, hidden, or holds a backslash or NUL, so a
    request never leaves the build, whatever its encoding.
    """
    if "\\" in path or "\x00" in path:
        return None, None
    segments = [s for s in path.split("/") if s]
    if any(s.startswith(".") for s in segments):
        return None, None
    candidate = os.path.join(root, *segments)
    if os.path.isdir(candidate):
        if path and not path.endswith("/"):
            return None, quote(f"/{path}/")
        candidate = os.path.join(candidate, "index.html")
    elif path.endswith("/"):  # a file named like a folder: /index.html/
        return None, None
    return (candidate, None) if os.path.isfile(candidate) else (None, None)


#: Bound on the rendered headers kept per process (one per open session).
HEADER_CACHE_SIZE = 4096


def _member_header():
    # Rendering costs more than the rest of a page view; what it shows depends only on
    # the member and her session's CSRF token (signed tokens never expire: see config).
    cache = services().headers
    key = (current_user.id, current_user.display_name, session.get(CSRF_SESSION_KEY))
    header = cache.get(key) if key[2] else None
    if header is None:
        header = render_template("parts/header.html").encode()
        if len(cache) >= HEADER_CACHE_SIZE:
            cache.clear()
        cache[key[:2] + (session.get(CSRF_SESSION_KEY),)] = header
    return header


def _html_response(body, status=200):
    csp = services().live["csp"]
    return body, status, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": csp,
        "Cache-Control": "private, no-store",
    }


def shell_page(title, content_html, status=200):
    """Render one of the gateway's own pages inside the site's look (its 404 shell)."""
    build = live_build()
    if build is None:
        return render_template("bare.html", title=translate("error.no_site.title"),
                               text=translate("error.no_site.text")), 503
    body = _read(os.path.join(build.root, "404.html"))
    body = body.replace(GATEWAY_TITLE_MARKER, str(escape(title)).encode(), 1)
    body = body.replace(GATEWAY_CONTENT_MARKER, str(content_html).encode(), 1)
    return _html_response(body.replace(HEADER_MARKER, _member_header(), 1), status)


def error_page(status):
    """Render the French page of an HTTP error inside the site's look."""
    content = render_template("parts/error.html", status=status)
    return shell_page(translate(f"error.{status}.title"), content, status)


@bp.route("/", defaults={"path": ""})
@bp.route("/<path:path>")
def page(path):
    """Serve a file of the live build (the gate already checked the member)."""
    build = live_build()
    if build is None:
        return render_template("bare.html", title=translate("error.no_site.title"),
                               text=translate("error.no_site.text")), 503
    filename, redirect_to = resolve(build.root, path)
    if redirect_to:
        query = request.query_string.decode("latin-1")
        return redirect(redirect_to + (f"?{query}" if query else ""), 301)
    if filename is None or filename == os.path.join(build.root, "404.html"):  # the shell is not a page
        abort(404)
    if filename.endswith(".html"):
        return _html_response(_read(filename).replace(HEADER_MARKER, _member_header(), 1))
    fingerprinted = _FINGERPRINTED.match(path) is not None
    response = send_file(filename, conditional=True, max_age=_ONE_YEAR if fingerprinted else None)
    response.cache_control.public = False
    response.cache_control.private = True
    if fingerprinted:
        response.cache_control.immutable = True
    else:  # documents of the knowledge base must not stay on a shared computer's disk
        response.cache_control.no_store = True
    return response
