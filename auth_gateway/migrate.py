"""Schema migrations (Alembic), applied by `entrepairs db upgrade` and by init."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")


def target_metadata():
    """Return the metadata of every table the migrations manage (gateway and discussions)."""
    from auth_gateway.models import Base
    from discussions.models import Base as DiscussionsBase

    return [Base.metadata, DiscussionsBase.metadata]


def _config(connection=None):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(database, revision="head"):
    """Bring the database schema to ``revision`` and return the revision reached."""
    with database.engine.begin() as connection:
        command.upgrade(_config(connection), revision)
    return current_revision(database)


def current_revision(database):
    """Return the schema revision of the database (None when empty)."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision():
    """Return the latest revision the code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def autogenerate(database, message):
    """Write a new migration from the difference between the models and the database."""
    with database.engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
