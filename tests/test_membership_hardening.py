"""Regressions of the membership review: each test is an attack that used to work."""

import re

from sqlalchemy import func, select

from auth_gateway import imports, mail, members
from auth_gateway.members import MemberError, SignedInMember
from auth_gateway.models import AuditEvent, JoinRequest, JoinStatus, Member, OutboundMail, Role, Status
from tests.helpers import csrf_token, login
from tests.test_account import NEW_PASSWORD, ask_reset, link_in
from tests.test_joining import ask_to_join, path_of


def invite(app, services, email="lea@apec.fr"):
    with app.app_context(), services.database.write() as session:
        invited = members.add_member(session, services.community, email=email, name="Léa Roux", structure="Apec",
                                     region="Bretagne", password=None)
        imports.send_invitation(session, invited)
        return invited


def test_an_old_invitation_link_does_not_bring_back_a_removed_member(app, services, smtp):
    invited = invite(app, services)
    mail.deliver_for(app)
    path = "/" + link_in(smtp, smtp.messages[0]).split("/", 3)[3]
    with services.database.write() as session:
        members.set_status(session, invited.email, Status.REMOVED)
    client = app.test_client()
    assert client.get(path).status_code == 404
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code in (400, 404)
    with services.database.session() as session:
        assert session.get(Member, invited.id).status == Status.REMOVED


def test_a_reset_link_dies_with_a_suspension(app, member, services, smtp):
    ask_reset(app.test_client(), member.email)
    mail.deliver_for(app)
    path = "/" + link_in(smtp, smtp.messages[0]).split("/", 3)[3]
    with services.database.write() as session:
        members.set_status(session, member.email, Status.SUSPENDED)
        members.set_status(session, member.email, Status.ACTIVE)
    assert app.test_client().get(path).status_code == 404


def test_animators_only_suspend_and_reactivate_advisors_of_their_region(app, make_member, services):
    animator = make_member(role=Role.ANIMATOR, region="Corse")
    client = app.test_client(user=SignedInMember.of(animator))
    page = client.get("/-/admin/membres").get_data(as_text=True)
    admin = make_member(role=Role.ADMIN, region="Corse")
    elsewhere = make_member(region="Bretagne")
    neighbour = make_member(region="Corse")
    removed = make_member(region="Corse", status=Status.REMOVED)

    def set_status(member, status):
        return client.post(f"/-/admin/membres/{member.id}/statut",
                           data={"csrf_token": csrf_token(page), "status": status}).status_code

    assert set_status(admin, "suspended") == 403
    assert set_status(elsewhere, "suspended") == 403
    assert set_status(removed, "active") == 403
    assert set_status(neighbour, "removed") == 403
    assert set_status(neighbour, "suspended") == 303
    assert set_status(neighbour, "active") == 303


def test_addresses_that_hide_another_address_are_refused(app, client):
    response = ask_to_join(client, email="<attacker@evil.example>x.francetravail.fr")
    assert response.status_code == 400 and "Adresse e-mail invalide" in response.get_data(as_text=True)
    for forged in ("a@evil.example, b@francetravail.fr", "a@evil.example;b@apec.fr", "\"a@b\"@apec.fr"):
        try:
            members.validate_identity(app.extensions["entrepairs"].community, email=forged, name="X",
                                      structure="Apec", region="Bretagne")
        except MemberError as error:
            assert error.key == "member_error.invalid_email"
        else:
            raise AssertionError(forged)


def test_nobody_rewrites_a_confirmed_join_request(app, client, smtp, services):
    ask_to_join(client)
    mail.deliver_for(app)
    app.test_client().get(path_of(smtp, smtp.messages[0]))
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "192.0.2.66"
    ask_to_join(attacker, name="<b>Mallory</b>", region="Corse", job_title="Manager")
    with services.database.session() as session:
        requests = session.scalars(select(JoinRequest)).all()
    assert [(r.display_name, r.region, r.status) for r in requests] == [("Inès Garcia", "Occitanie",
                                                                         JoinStatus.PENDING)]


def test_reset_and_join_mails_are_limited_per_address_whatever_the_sender(app, member, smtp):
    for number in range(8):
        sender = app.test_client()
        sender.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
        ask_reset(sender, member.email)
        ask_to_join(sender, email="cible@apec.fr")
    mail.deliver_for(app)
    assert sum(m["To"] == member.email for m in smtp.messages) == 3
    assert sum(m["To"] == "cible@apec.fr" for m in smtp.messages) == 3


def test_invited_members_cannot_log_in_and_take_as_long_as_others(app, services):
    invited = invite(app, services)
    assert login(app.test_client(), invited.email, "!").status_code == 401
    with services.database.session() as session:
        assert members.authenticate(session, invited.email, "!") is None


def test_erasure_also_clears_requests_mails_and_the_audit_subjects(app, client, smtp, services, make_member):
    ask_to_join(client, email="partante@apec.fr")
    leaver = make_member(email="partante@apec.fr")
    login(app.test_client(), leaver.email)
    with services.database.write() as session:
        members.erase(session, session.get(Member, leaver.id), "Ancien·ne membre")
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(JoinRequest)) == 0
        assert session.scalar(select(func.count()).select_from(OutboundMail)
                              .where(OutboundMail.recipient == "partante@apec.fr")) == 0
        subjects = session.scalars(select(AuditEvent.subject)).all()
    assert subjects and all("partante" not in subject for subject in subjects)
    assert re.fullmatch(r"efface-\d+@entrepairs\.invalid", subjects[-1])
