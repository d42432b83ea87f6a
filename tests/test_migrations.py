from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from auth_gateway import migrate
from auth_gateway.database import Database


def test_upgrade_reaches_head_and_the_models_match_the_migrations(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'm.db'}")
    assert migrate.current_revision(database) is None
    assert migrate.upgrade(database) == migrate.head_revision()
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), migrate.target_metadata()) == []
    # A second upgrade is a no-op.
    assert migrate.upgrade(database) == migrate.head_revision()
    database.dispose()
