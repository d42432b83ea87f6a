"""Every endpoint of the gateway, for every kind of visitor, from the app's own URL map:
an endpoint added without a decision here fails this test."""

import shutil

import pytest
from flask_login import FlaskLoginClient
from sqlalchemy import update

from auth_gateway import create_app
from auth_gateway.members import SignedInMember, add_member
from auth_gateway.models import Member, Role, Status
from discussions import services as discussions
from tests.conftest import PASSWORD

VISITORS = ["anonymous", "invited", "suspended", "member", "animator", "admin"]
#: Who may use each endpoint: "public" (anyone), "member" (any active member),
#: "author" (the active member who wrote the comment: the sample comment is the
#: member's), "moderator" (animators and admins), "admin" (admins only).
DECISIONS = {
    "auth.login": "public",
    "account.forgot_password": "public",
    "account.reset_password": "public",
    "account.accept_invitation": "public",
    "static": "public",
    "joining.join": "public",
    "joining.confirm": "public",
    "joining.requests": "moderator",
    "account.profile": "member",
    "account.confirm_practice": "member",
    "account.directory": "member",
    "admin.members": "moderator",
    "admin.set_status": "moderator",
    "admin.set_role": "admin",
    "admin.erase": "admin",
    "admin.export": "admin",
    "admin.audit_log": "admin",
    "admin.community_settings": "admin",
    "admin.import_members": "admin",
    "search.results": "member",
    "admin.confirm_import": "admin",
    "joining.decide": "moderator",
    "auth.logout": "member",
    "account.change_password": "member",
    "site.page": "member",
    "forum.topics": "member",
    "forum.topic": "member",
    "forum.new_topic": "member",
    "forum.archives": "member",
    "forum.moderation_log": "moderator",
    "threads.edit": "author",
    "threads.history": "member",
    "threads.page_changes": "member",
    "threads.delete": "author",
    "threads.react": "member",
    "threads.hide": "moderator",
    "threads.unhide": "moderator",
    "threads.mark_answer": "moderator",
    "threads.lock": "moderator",
}
SAMPLE_VALUES = {"secret": "lien-inconnu", "upload": "inconnu-0123456789", "thread_id": 1, "comment_id": 1, "request_id": 1, "member_id": 1,
                 "filename": "gateway.css",
                 "path": "fiches/premier-entretien/"}


@pytest.fixture(scope="module")
def gateway(template_instance, tmp_path_factory):
    """The gateway with one visitor of each kind and one comment (CSRF is tested elsewhere)."""
    root = tmp_path_factory.mktemp("matrix") / "instance"
    shutil.copytree(template_instance, root, symlinks=True)
    app = create_app({"INSTANCE_PATH": str(root), "TESTING": True, "WTF_CSRF_ENABLED": False})
    app.test_client_class = FlaskLoginClient
    services = app.extensions["entrepairs"]
    people = {}
    with services.database.write() as session:
        for visitor in VISITORS[1:]:
            people[visitor] = add_member(
                session, services.community, email=f"{visitor}@apec.fr", name=visitor, structure="Apec",
                region="Bretagne", password=None if visitor == "invited" else PASSWORD,
                role={"animator": Role.ANIMATOR, "admin": Role.ADMIN}.get(visitor, Role.MEMBER))
        ids = {visitor: person.id for visitor, person in people.items()}
        for body in ("Bonjour", "À supprimer"):  # the second one is for threads.delete
            discussions.post_comment(session, author_id=people["member"].id, body=body,
                                     page_path="fiches/premier-entretien.md")
        session.execute(update(Member).where(Member.id == people["suspended"].id).values(status=Status.SUSPENDED))
    yield app, ids
    services.database.dispose()


def cases():
    for rule in sorted(create_app_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def create_app_rules():
    from flask import Flask

    # The URL map only: an app built without an instance is enough to list the rules.
    from auth_gateway import account, admin, auth, forum, joining, search, site, threads

    app = Flask("auth_gateway", static_url_path="/-/static")
    for blueprint in (auth.bp, account.bp, joining.bp, admin.bp, search.bp, threads.bp, forum.bp, site.bp):
        app.register_blueprint(blueprint)
    return list(app.url_map.iter_rules())


def test_every_endpoint_has_a_decision():
    assert {rule.endpoint for rule in create_app_rules()} == set(DECISIONS)


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("rule, method", list(cases()), ids=lambda v: getattr(v, "rule", v))
def test_each_visitor_gets_what_the_decision_says(gateway, rule, method, visitor):
    app, ids = gateway
    client = app.test_client()
    if visitor in ids:  # her current session token (an earlier case may have logged her out)
        with app.extensions["entrepairs"].database.session() as session:
            client = app.test_client(user=SignedInMember.of(session.get(Member, ids[visitor])))
    with app.test_request_context():
        from flask import url_for

        values = {name: SAMPLE_VALUES[name] for name in rule.arguments}
        if rule.endpoint == "threads.delete":
            values["comment_id"] = 2
        url = url_for(rule.endpoint, **values)
    with client.open(url, method=method, data={} if method == "POST" else None) as response:
        status = response.status_code
        # The gate sends to the login page with ``next``; logging out lands there without.
        to_login = status == 302 and response.location.startswith("/-/connexion?next=")
    decision = DECISIONS[rule.endpoint]
    if decision == "public":
        assert not to_login and status != 403
    elif visitor in ("anonymous", "invited", "suspended"):
        assert to_login, status
    elif (decision == "moderator" and visitor == "member" or decision == "author" and visitor != "member"
          or decision == "admin" and visitor != "admin"):
        assert status == 403
    else:
        assert not to_login and status not in (401, 403), status
