"""What a request reaches through the app: the community's services."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from auth_gateway.community import load_community
from auth_gateway.database import Database
from auth_gateway.instance import InstancePaths


@dataclass
class Services:
    """The parts of one community, built by ``create_app`` and kept in ``app.extensions``."""

    paths: InstancePaths
    # community.yml (validated when read); an admin may edit it online: every process
    # reads it again when it changed.
    community_file: Path
    database: Database
    # Caches of the live build (see auth_gateway.live), replaced when the symlink moves.
    live: dict = field(default_factory=dict)
    # Rendered member headers by (member id, name, role, CSRF token) (see auth_gateway.live).
    headers: dict = field(default_factory=dict)
    # Rendered threads by (page, thread version, build, viewer...) (see auth_gateway.threads).
    threads: dict = field(default_factory=dict)
    # The process's search indexing thread, and the index its searches read (see auth_gateway.indexing).
    indexer: object = None
    live_index: object = None
    # (modification stamp of community_file, Community read from it).
    _community: tuple = field(default=(None, None), repr=False)

    @property
    def community(self):
        """Return the community, read again from its file when the file changed."""
        stamp = os.stat(self.community_file).st_mtime_ns
        if self._community[0] != stamp:
            self._community = (stamp, load_community(self.community_file))
        return self._community[1]


def services():
    """Return the current app's :class:`Services`."""
    return current_app.extensions["entrepairs"]

