"""Who may do what: permissions are named values, granted to roles by one table.

Rules that depend on the object rather than the role (only the author edits or deletes
her comment) are the domain's, enforced by ``discussions.services``.
"""

import enum
from functools import wraps

from flask import abort
from flask_login import current_user

from auth_gateway.models import Role


class Permission(enum.StrEnum):
    """An action that a role may or may not take."""

    ACCOUNT_USE = "account:use"
    COMMENT_POST = "thread:comment:post"
    COMMENT_REACT = "thread:comment:react"
    COMMENT_HIDE = "thread:comment:hide"
    THREAD_LOCK = "thread:lock"
    ANSWER_MARK = "thread:answer:mark"
    TOPIC_CREATE = "forum:topic:create"
    MODERATION_LOG_READ = "moderation:log:read"
    JOIN_REQUEST_DECIDE = "membership:join:decide"
    DIRECTORY_READ = "membership:directory:read"
    SEARCH = "search:query"
    MEMBERS_MANAGE = "membership:members:suspend"
    ROLES_ASSIGN = "membership:roles:assign"
    MEMBERS_ERASE = "membership:members:erase"
    MEMBERS_EXPORT = "membership:members:export"
    MEMBERS_IMPORT = "membership:members:import"
    AUDIT_READ = "admin:audit:read"
    COMMUNITY_EDIT = "admin:community:edit"


_MEMBER = {Permission.ACCOUNT_USE, Permission.DIRECTORY_READ, Permission.SEARCH, Permission.COMMENT_POST, Permission.COMMENT_REACT, Permission.TOPIC_CREATE}
_ANIMATOR = _MEMBER | {Permission.COMMENT_HIDE, Permission.THREAD_LOCK, Permission.ANSWER_MARK,
                       Permission.MODERATION_LOG_READ, Permission.JOIN_REQUEST_DECIDE, Permission.MEMBERS_MANAGE}
_ADMIN = _ANIMATOR | {Permission.ROLES_ASSIGN, Permission.MEMBERS_ERASE, Permission.MEMBERS_EXPORT,
                      Permission.MEMBERS_IMPORT,
                      Permission.AUDIT_READ, Permission.COMMUNITY_EDIT}

#: The role x permission table.
ROLE_PERMISSIONS = {
    Role.MEMBER: frozenset(_MEMBER),
    Role.ANIMATOR: frozenset(_ANIMATOR),
    Role.ADMIN: frozenset(_ADMIN),
}


def can(member, permission):
    """Return whether ``member`` (a signed-in member, or anonymous) has ``permission``."""
    return bool(member.is_authenticated) and permission in ROLE_PERMISSIONS[member.role]


def require(permission):
    """Refuse the view with 403 unless the current member has ``permission``."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorate
