"""Discussions as a plain library: a SQLite file with only its tables, no Flask."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from discussions.models import Base


@pytest.fixture
def session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'discussions.db'}")
    Base.metadata.create_all(engine)
    with sessionmaker(engine, expire_on_commit=False)() as session:
        yield session
    engine.dispose()
