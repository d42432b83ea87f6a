"""Fixtures: every test gets its own instance (settings, SQLite file, content repo, builds)."""

import shutil
import textwrap
from pathlib import Path

import pytest
from flask_login import FlaskLoginClient

from auth_gateway import create_app, migrate, publish
from auth_gateway.instance import InstancePaths, init_instance
from auth_gateway.members import SignedInMember, add_member
from auth_gateway.models import Role, Status

PASSWORD = "un mot de passe assez long"


def write_small_starter(root):
    """Write a three-page knowledge base (fast to build) and return its folder."""
    root = Path(root)
    (root / "docs" / "fiches").mkdir(parents=True)
    source = Path(__file__).resolve().parents[1] / "mkdocs.yml"
    shutil.copy2(source, root / "mkdocs.yml")
    (root / "docs" / "index.md").write_text("# Accueil\n\nBienvenue. Voir [la fiche](fiches/premier-entretien.md).\n",
                                            encoding="utf-8")
    (root / "docs" / "fiches" / "index.md").write_text("# Fiches pratiques\n\n- [Premier entretien](premier-entretien.md)\n",
                                                       encoding="utf-8")
    (root / "docs" / "fiches" / "premier-entretien.md").write_text(textwrap.dedent("""\
        # Premier entretien

        ## Situation

        Une personne vient pour la première fois au conseil en évolution professionnelle.

        ## Étapes

        1. Accueillir et présenter le CEP.
        2. Écouter la demande.
        """), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def template_instance(tmp_path_factory):
    """A migrated instance with the small starter built, copied by each test."""
    root = tmp_path_factory.mktemp("template") / "instance"
    starter = write_small_starter(tmp_path_factory.mktemp("starter"))
    paths, _ = init_instance(root, starter=starter)
    app = create_app({"INSTANCE_PATH": str(root)})
    services = app.extensions["entrepairs"]
    migrate.upgrade(services.database)
    publish.publish(paths, services.database)
    services.database.dispose()
    return root


@pytest.fixture
def instance(template_instance, tmp_path):
    """This test's own instance folder (a copy of the template)."""
    root = tmp_path / "instance"
    shutil.copytree(template_instance, root, symlinks=True)
    return InstancePaths(root)


@pytest.fixture
def app(instance):
    """The gateway of this test's instance."""
    app = create_app({"INSTANCE_PATH": str(instance.root), "TESTING": True})
    app.test_client_class = FlaskLoginClient
    yield app
    app.extensions["entrepairs"].indexer.flush()
    app.extensions["entrepairs"].live_index.close()
    app.extensions["entrepairs"].database.dispose()


@pytest.fixture
def services(app):
    return app.extensions["entrepairs"]


@pytest.fixture
def make_member(services):
    """Create a member; traits: role, status, structure, region, password."""
    counter = iter(range(1, 10_000))

    def make(role=Role.MEMBER, status=Status.ACTIVE, password=PASSWORD, structure="France Travail",
             region="Auvergne-Rhône-Alpes", name=None, email=None):
        number = next(counter)
        with services.database.write() as session:
            member = add_member(session, services.community, email=email or f"membre{number}@francetravail.fr",
                                name=name or f"Conseillère {number}", structure=structure, region=region,
                                password=password, role=role)
            member.status = status
        return member

    return make


@pytest.fixture
def member(make_member):
    return make_member()


@pytest.fixture
def client(app):
    """A client without a session."""
    return app.test_client()


@pytest.fixture
def member_client(app, member):
    """A client logged in (through flask-login's test client) as an active member."""
    return app.test_client(user=SignedInMember.of(member))


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback, wired into the app; yields its inbox."""
    from tests import mailserver

    controller, inbox, url = mailserver.start()
    app.config["SMTP_URL"] = url
    yield inbox
    controller.stop()
