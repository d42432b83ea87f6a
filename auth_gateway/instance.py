"""The instance: the one folder where a running community lives."""

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from auth_gateway import content
from auth_gateway.community import COMMUNITY_FILE, DEFAULT_COMMUNITY
from auth_gateway.config import SETTINGS_FILE, write_settings_file


@dataclass(frozen=True)
class InstancePaths:
    """Where each part of an instance is kept."""

    root: Path

    @property
    def settings_file(self):
        return self.root / SETTINGS_FILE

    @property
    def community_file(self):
        return self.root / COMMUNITY_FILE

    @property
    def database_file(self):
        return self.root / "entrepairs.db"

    @property
    def content_dir(self):
        """The content git repo (mkdocs.yml + docs/), non-bare."""
        return self.root / "content"

    @property
    def builds_dir(self):
        """One folder per built commit, ``builds/<sha>/``, with ``builds/<sha>.json`` beside it."""
        return self.root / "builds"

    @property
    def live_site(self):
        """Symlink to the live build, swapped atomically."""
        return self.root / "site"

    @property
    def demo_accounts_file(self):
        return self.root / "demo-accounts.yml"


def init_instance(root, starter=None):
    """Create what is missing of an instance (never overwrite); return what was created.

    Creates the folder, the settings file with a random secret key, community.yml
    from the default community and the content repo from ``starter`` (default: the
    bundled starter knowledge base).
    """
    paths = InstancePaths(Path(root))
    created = []
    # Secrets, password hashes and session tokens live here: owner only.
    paths.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not paths.database_file.exists():
        paths.database_file.touch(mode=0o600)
        created.append(paths.database_file.name)
    if not paths.settings_file.exists():
        write_settings_file(paths.root, {"SECRET_KEY": secrets.token_hex(32)})
        created.append(SETTINGS_FILE)
    if not paths.community_file.exists():
        shutil.copy2(DEFAULT_COMMUNITY, paths.community_file)
        created.append(COMMUNITY_FILE)
    if content.init_content_repo(paths.content_dir, starter):
        created.append("content/")
    paths.builds_dir.mkdir(exist_ok=True)
    return paths, created
