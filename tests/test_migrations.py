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


def test_each_migration_keeps_the_rows_already_there(tmp_path):
    from sqlalchemy import text

    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(database, "d1283c6236c1")  # the first schema
    with database.write() as session:
        session.execute(text(
            "INSERT INTO members (email, email_key, display_name, structure, region, role, status, password_hash,"
            " session_token, session_started_at, created_at) VALUES ('a@apec.fr', 'a@apec.fr', 'A', 'Apec',"
            " 'Bretagne', 'member', 'active', '!', 'token', 0, '2026-01-01 00:00:00')"))
    migrate.upgrade(database)
    with database.session() as session:
        assert session.execute(text("SELECT email, expertise FROM members")).one() == ("a@apec.fr", "")
    database.dispose()
