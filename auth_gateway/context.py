"""What a request reaches through the app: the community's services."""

from dataclasses import dataclass, field

from flask import current_app

from auth_gateway.community import Community
from auth_gateway.database import Database
from auth_gateway.instance import InstancePaths


@dataclass
class Services:
    """The parts of one community, built by ``create_app`` and kept in ``app.extensions``."""

    paths: InstancePaths
    community: Community
    database: Database
    # Caches of the live build (see auth_gateway.site), replaced when the symlink moves.
    live: dict = field(default_factory=dict)
    # Rendered member headers by (member id, name, CSRF token) (see auth_gateway.site).
    headers: dict = field(default_factory=dict)
    # Rendered threads by (page, thread version, build, viewer...) (see auth_gateway.threads).
    threads: dict = field(default_factory=dict)


def services():
    """Return the current app's :class:`Services`."""
    return current_app.extensions["entrepairs"]
