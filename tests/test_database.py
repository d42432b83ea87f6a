import threading

from sqlalchemy import text

from auth_gateway.database import Database


def test_concurrent_read_then_write_transactions_lose_nothing(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'race.db'}")
    with database.write() as session:
        session.execute(text("CREATE TABLE counter (n INTEGER)"))
    errors = []

    def writer():
        for _ in range(50):
            try:
                with database.write() as session:
                    count = session.execute(text("SELECT count(*) FROM counter")).scalar()
                    session.execute(text("INSERT INTO counter VALUES (:n)"), {"n": count})
            except Exception as error:  # noqa: BLE001 - any error is the failure we count
                errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM counter")).scalar() == 800
        # Every insert saw every previous one: the write lock was held from BEGIN.
        assert session.execute(text("SELECT count(DISTINCT n) FROM counter")).scalar() == 800
    assert errors == []
    database.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    with database.session() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    database.dispose()
