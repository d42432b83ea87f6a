"""Peers only: the gate in front of every URL, safe redirects and security headers."""

from urllib.parse import urlsplit

from flask import redirect, request, url_for
from flask_login import current_user

#: The only endpoints served without an active member's session. Nothing else is
#: exempt: no path prefix, no pattern. Unknown URLs are not exempt either.
PUBLIC_ENDPOINTS = frozenset({
    "auth.login",                # the login page and form
    "account.forgot_password",   # asks for a reset link (same answer for any address)
    "account.reset_password",    # opened from a reset link: the secret in the URL is the key
    "account.accept_invitation", # opened from an invitation link: idem
    "joining.join",              # asks to join (vetted afterwards by an animator)
    "joining.confirm",           # confirms the address of a request to join
    "static",                    # the gateway's own stylesheet (auth_gateway/static): no content
})


def require_member():
    """Refuse the request unless it is public or made by an active member.

    Browsers navigating are sent to the login page (302, with ``next``); background
    requests (fetch) get a plain 401 so that no login page lands inside a page.
    """
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate":
        return "", 401
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=safe_next(target)))


def safe_next(target):
    """Return ``target`` if it is a path inside this site, else None.

    Refuses absolute and scheme-relative URLs (``//host``, ``/\\host``), control
    characters and anything that is not a plain path starting with one slash.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 32 or c in "\\\x7f" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def content_security_policy(script_hashes=()):
    """Return the CSP: only this origin, plus the hashed inline scripts of the theme."""
    scripts = " ".join(("'self'", *script_hashes))
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self'; "
        # Material's CSS draws its icons from data: SVG masks.
        "img-src 'self' data:; "
        "font-src 'self'; "
        "connect-src 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'; "
        "base-uri 'self'; "
        "object-src 'none'"
    )


def add_security_headers(response):
    """Set the headers every response carries (pages may set their own CSP first)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.vary.add("Cookie")
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = "private, no-store"
    return response
