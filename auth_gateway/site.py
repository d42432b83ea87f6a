"""Serve the files of the live build to members: pages with their discussion put in."""

import os
import re

from flask import Blueprint, abort, redirect, request, send_file
from sqlalchemy import select

from auth_gateway import markers, threads
from auth_gateway.context import services
from auth_gateway.live import live_build, no_site_page, read, resolve
from auth_gateway.models import PageRedirect

bp = Blueprint("site", __name__)

#: Theme assets whose name carries a content hash: they never change under one name.
_FINGERPRINTED = re.compile(r"^assets/.+\.[0-9a-f]{8}\.min\.(?:js|css)$")
_ONE_YEAR = 365 * 24 * 3600


def _moved(path):
    with services().database.session() as reader:
        return reader.scalar(select(PageRedirect.new_url).where(PageRedirect.old_url == f"/{path}"))


@bp.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@bp.route("/<path:path>", methods=["GET", "POST"])
def page(path):
    """Serve a file of the live build (the gate already checked the member); a page also
    takes the comments posted to it."""
    build = live_build()
    if build is None:
        return no_site_page()
    filename, redirect_to = resolve(build.root, path)
    if redirect_to:
        query = request.query_string.decode("latin-1")
        return redirect(redirect_to + (f"?{query}" if query else ""), 301)
    if filename is None or filename == os.path.join(build.root, "404.html"):  # the shell is not a page
        moved_to = _moved(path) if filename is None else None
        if moved_to:
            return redirect(moved_to, 301)
        abort(404)
    if filename.endswith(".html"):
        if request.method == "POST":
            page_path = markers.page_source(read(filename))
            if page_path is None:
                abort(405)
            return threads.publish_comment(page_path=page_path)
        return threads.render_page(filename, build)
    if request.method == "POST":
        abort(405)
    fingerprinted = _FINGERPRINTED.match(path) is not None
    response = send_file(filename, conditional=True, max_age=_ONE_YEAR if fingerprinted else None)
    response.cache_control.public = False
    response.cache_control.private = True
    if fingerprinted:
        response.cache_control.immutable = True
    else:  # documents of the knowledge base must not stay on a shared computer's disk
        response.cache_control.no_store = True
    return response
