"""Role x action matrix of every discussion endpoint: the status AND the controls shown."""

import shutil

import pytest
from flask_login import FlaskLoginClient
from sqlalchemy import update

from auth_gateway import create_app
from auth_gateway.members import SignedInMember, add_member
from auth_gateway.models import Member, Role, Status
from discussions import services as discussions
from tests.conftest import PASSWORD

PAGE, URL = "fiches/premier-entretien.md", "/fiches/premier-entretien/"
ROLES = ["anonymous", "member", "author", "animator", "admin", "suspended"]


@pytest.fixture(scope="module")
def world_template(template_instance, tmp_path_factory):
    """Once per module: an author's edited comment with a reply, a hidden comment, a topic,
    and a member per role (one suspended)."""
    root = tmp_path_factory.mktemp("world") / "instance"
    shutil.copytree(template_instance, root, symlinks=True)
    app = create_app({"INSTANCE_PATH": str(root)})
    services = app.extensions["entrepairs"]
    people = {}
    with services.database.write() as session:
        for role in ROLES[1:]:
            people[role] = SignedInMember.of(add_member(
                session, services.community, email=f"{role}@apec.fr", name=role.title(), structure="Apec",
                region="Bretagne", password=PASSWORD,
                role={"animator": Role.ANIMATOR, "admin": Role.ADMIN}.get(role, Role.MEMBER)))
        comment = discussions.post_comment(session, author_id=people["author"].id, body="Version 1", page_path=PAGE)
        discussions.edit_comment(session, comment_id=comment.id, editor_id=people["author"].id, body="Version 2")
        reply = discussions.post_comment(session, author_id=people["member"].id, body="Réponse", page_path=PAGE,
                                         parent_id=comment.id)
        hidden = discussions.post_comment(session, author_id=people["member"].id, body="À masquer", page_path=PAGE)
        discussions.hide_comment(session, comment_id=hidden.id, moderator_id=people["animator"].id, reason="Test")
        topic = discussions.create_topic(session, author_id=people["author"].id, title="Un sujet", category="pratique",
                                         body="Question ?", categories={"pratique": "x"})
        ids = {"comment": comment.id, "reply": reply.id, "hidden": hidden.id, "thread": comment.thread_id,
               "topic": topic.id}
        session.execute(update(Member).where(Member.id == people["suspended"].id).values(status=Status.SUSPENDED))
    services.database.dispose()
    return root, people, ids


@pytest.fixture
def world(world_template, tmp_path):
    """This test's copy of the world, with a client per role (CSRF is tested elsewhere)."""
    template, people, ids = world_template
    root = tmp_path / "instance"
    shutil.copytree(template, root, symlinks=True)
    app = create_app({"INSTANCE_PATH": str(root), "TESTING": True, "WTF_CSRF_ENABLED": False})
    app.test_client_class = FlaskLoginClient
    clients = {"anonymous": app.test_client()}
    clients.update({role: app.test_client(user=person) for role, person in people.items()})
    yield {"clients": clients, "ids": ids}
    app.extensions["entrepairs"].database.dispose()


#  method, url, form, expected status for anonymous, member, author, animator, admin, suspended
MATRIX = [
    ("GET", URL, None, (302, 200, 200, 200, 200, 302)),
    ("POST", URL, {"body": "Nouveau"}, (302, 303, 303, 303, 303, 302)),
    ("GET", "/-/discussions/commentaires/{comment}/modifier", None, (302, 403, 200, 403, 403, 302)),
    ("POST", "/-/discussions/commentaires/{comment}/modifier", {"body": "V3"}, (302, 403, 303, 403, 403, 302)),
    ("GET", "/-/discussions/commentaires/{comment}/versions", None, (302, 404, 200, 200, 200, 302)),
    ("GET", "/-/discussions/commentaires/{comment}/modifications", None, (302, 404, 404, 404, 404, 302)),
    # The hidden comment is the member's own: she may still edit it; others do not see it.
    ("GET", "/-/discussions/commentaires/{hidden}/modifier", None, (302, 200, 404, 403, 403, 302)),
    ("POST", "/-/discussions/commentaires/{comment}/supprimer", {}, (302, 403, 303, 403, 403, 302)),
    ("POST", "/-/discussions/commentaires/{reply}/reagir", {"kind": "useful"}, (302, 303, 303, 303, 303, 302)),
    ("POST", "/-/discussions/commentaires/{hidden}/reagir", {"kind": "useful"}, (302, 409, 404, 409, 409, 302)),
    ("POST", "/-/discussions/commentaires/{reply}/masquer", {"reason": "Hors charte"}, (302, 403, 403, 303, 303, 302)),
    ("POST", "/-/discussions/commentaires/{hidden}/afficher", {}, (302, 403, 403, 303, 303, 302)),
    ("POST", "/-/discussions/commentaires/{reply}/retenir", {}, (302, 403, 403, 303, 303, 302)),
    ("POST", "/-/discussions/fils/{thread}/verrouiller", {"locked": "1", "reason": "Clos"}, (302, 403, 403, 303, 303, 302)),
    ("GET", "/-/forum", None, (302, 200, 200, 200, 200, 302)),
    ("GET", "/-/forum/nouveau", None, (302, 200, 200, 200, 200, 302)),
    ("POST", "/-/forum/nouveau", {"title": "T", "category": "pratique", "body": "Q"}, (302, 303, 303, 303, 303, 302)),
    ("GET", "/-/forum/{topic}", None, (302, 200, 200, 200, 200, 302)),
    ("POST", "/-/forum/{topic}", {"body": "Réponse au sujet"}, (302, 303, 303, 303, 303, 302)),
    ("GET", "/-/forum/archives", None, (302, 200, 200, 200, 200, 302)),
    ("GET", "/-/forum/moderation", None, (302, 403, 403, 200, 200, 302)),
]


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("method, url, form, expected", MATRIX, ids=[f"{m} {u}" for m, u, _, _ in MATRIX])
def test_status_of_every_discussion_endpoint_for_every_role(world, method, url, form, expected, role_index, role):
    client = world["clients"][role]
    target = url.format(**world["ids"])
    if method == "GET":
        response = client.get(target)
    else:
        response = client.post(target, data=form)
    assert response.status_code == expected[role_index], response.get_data(as_text=True)[-600:]
    if response.status_code == 302:
        assert response.location.startswith("/-/connexion")


CONTROLS = {
    # control -> roles that see it on the sheet's page
    "/masquer": {"animator", "admin"},
    "Verrouiller le fil": {"animator", "admin"},
    "Retenir comme réponse": {"animator", "admin"},
    "/afficher": {"animator", "admin"},
    "{comment}/modifier": {"author"},
    "{comment}/supprimer": {"author"},
    "{comment}/versions": {"author", "animator", "admin"},
    "À masquer": {"member", "animator", "admin"},  # the hidden comment's text; the member wrote it
    "/-/forum/moderation": {"animator", "admin"},
    'id="commenter"': {"member", "author", "animator", "admin"},
}


@pytest.mark.parametrize("role", ["member", "author", "animator", "admin"])
def test_controls_are_on_the_page_only_for_those_allowed(world, role):
    page = world["clients"][role].get(URL).get_data(as_text=True)
    for control, allowed in CONTROLS.items():
        assert (control.format(**world["ids"]) in page) is (role in allowed), control
