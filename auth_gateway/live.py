"""The live build of the knowledge base, and the site's look for every page served.

Built pages carry markers (see auth_gateway/theme): the header's, filled with the
search form and the member's menu on each request; the gateway's own pages are drawn
in the build's 404 page (its shell).
"""

import os
from functools import lru_cache
from urllib.parse import quote

from flask import render_template, session
from flask_login import current_user
from markupsafe import escape

from auth_gateway import markers
from auth_gateway.builder import page_url
from auth_gateway.context import services
from auth_gateway.i18n import translate
from auth_gateway.permissions import Permission, can
from auth_gateway.publish import load_live_build
from auth_gateway.security import content_security_policy

#: Where Flask-WTF keeps the session's raw CSRF token (WTF_CSRF_FIELD_NAME): cached
#: renderings holding a signed token are keyed by it.
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
def read(path):
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


def member_header():
    # Rendering costs more than the rest of a page view; what it shows depends only on
    # the member and her session's CSRF token (signed tokens never expire: see config).
    cache = services().headers
    key = (current_user.id, current_user.display_name, current_user.role, session.get(CSRF_SESSION_KEY))
    header = cache.get(key) if key[-1] else None
    if header is None:
        header = render_template("parts/header.html",
                                 moderation=can(current_user, Permission.MODERATION_LOG_READ)).encode()
        if len(cache) >= HEADER_CACHE_SIZE:
            cache.clear()
        cache[key[:-1] + (session.get(CSRF_SESSION_KEY),)] = header
    return header


def html_response(body, status=200):
    csp = services().live["csp"]
    return body, status, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": csp,
        "Cache-Control": "private, no-store",
    }


def no_site_page():
    """Render the French page shown while nothing was built yet."""
    return render_template("bare.html", title=translate("error.no_site.title"),
                           text=translate("error.no_site.text")), 503


def page_for_source(build, page_path):
    """Return the built HTML file of the page whose source is ``page_path``, or None."""
    filename, _ = resolve(build.root, page_url(page_path).lstrip("/"))
    return filename


def shell_page(title, content_html, status=200):
    """Render one of the gateway's own pages inside the site's look (its 404 shell)."""
    build = live_build()
    if build is None:
        return no_site_page()
    body = read(os.path.join(build.root, "404.html"))
    body = body.replace(markers.GATEWAY_TITLE, str(escape(title)).encode(), 1)
    body = body.replace(markers.GATEWAY_CONTENT, str(content_html).encode(), 1)
    return html_response(body.replace(markers.HEADER, member_header(), 1), status)


def error_page(status):
    """Render the French page of an HTTP error inside the site's look."""
    content = render_template("parts/error.html", status=status)
    return shell_page(translate(f"error.{status}.title"), content, status)
