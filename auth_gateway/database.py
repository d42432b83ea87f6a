"""Database engine and sessions: SQLite (WAL, BEGIN IMMEDIATE for writes) or PostgreSQL."""

from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session, sessionmaker

#: How long a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 15000


def sqlite_url(path):
    """Return the SQLAlchemy URL of the SQLite file at ``path``."""
    return f"sqlite:///{path}"


class Database:
    """One community's database: an engine, read sessions and write transactions."""

    def __init__(self, url):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine = create_engine(url, pool_pre_ping=not self.is_sqlite)
        self._compiled = {}
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Writers take SQLite's write lock when they begin, not at their first write:
        # a read-then-write transaction cannot then fail with "database is locked".
        self._writer_sessions = sessionmaker(
            self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE"), expire_on_commit=False
        )

    def session(self):
        """Return a new session for reading (and small writes committed by the caller)."""
        return self._sessions()

    @contextmanager
    def write(self):
        """Yield a session inside one write transaction, committed at the end or rolled back."""
        with self._writer_sessions() as session, session.begin():
            yield session

    def fetch_one(self, statement, **params):
        """Run a small SELECT on a pooled connection, outside the ORM; return a row tuple or None.

        For the per-request lookups (the signed-in member): ~35 µs instead of ~450 µs
        through an ORM session. ``statement`` uses named ``bindparam``s; it is compiled
        once per dialect and cached.
        """
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = statement.compile(dialect=self.engine.dialect)
        values = compiled.construct_params(params)
        if compiled.positional:
            values = tuple(values[name] for name in compiled.positiontup)
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(compiled.string, values)
            row = cursor.fetchone()
            cursor.close()
            return tuple(row) if row is not None else None
        finally:
            connection.close()

    def session_factories(self):
        """Return the session factories (for event listeners: see auth_gateway.indexing)."""
        return self._sessions, self._writer_sessions

    def dispose(self):
        """Close every pooled connection."""
        self.engine.dispose()


def _tune_sqlite(engine):
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, emit BEGIN (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql(connection.get_execution_options().get("sqlite_begin", "BEGIN"))


__all__ = ["Database", "Session", "sqlite_url"]
