"""What a request reaches through the app: the community's services and a DB session."""

from dataclasses import dataclass, field

from flask import current_app, g

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


def services():
    """Return the current app's :class:`Services`."""
    return current_app.extensions["entrepairs"]


def db_session():
    """Return this request's database session, opened on first use."""
    if "db_session" not in g:
        g.db_session = services().database.session()
    return g.db_session


def close_db_session(_error=None):
    """Close this request's session, if one was opened."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
