"""Password reset, invitations, change of password and e-mail delivery, with a real SMTP
server on loopback."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from auth_gateway import mail
from auth_gateway.mail import Transport, deliver_due
from auth_gateway.members import SignedInMember
from auth_gateway.models import MailStatus, Member, MemberToken, OutboundMail, Status
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, login

NEW_PASSWORD = "une toute nouvelle phrase de passe"


def ask_reset(client, email):
    page = client.get("/-/mot-de-passe-oublie").get_data(as_text=True)
    return client.post("/-/mot-de-passe-oublie", data={"csrf_token": csrf_token(page), "email": email})


def deliver(app):
    return mail.deliver_for(app)


def link_in(inbox, message):
    return re.search(r"https?://\S+", inbox.text(message)).group(0)


def choose_password(client, path, password=NEW_PASSWORD, confirm=None):
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)), "password": password,
                                   "confirm": confirm or password})


def test_reset_by_email_end_to_end(app, client, member, smtp):
    app.config["PUBLIC_URL"] = "https://cep.example"
    other_device = app.test_client()
    login(other_device, member.email)
    answer = ask_reset(client, member.email)
    assert answer.status_code == 303 and answer.location == "/-/connexion"
    assert deliver(app) == (1, 0)
    [message] = smtp.messages
    assert message["To"] == member.email and "choisir un nouveau mot de passe" in message["Subject"]
    assert message.is_multipart() and "Bonjour Conseillère 1," in smtp.text(message)
    assert "Choisir un nouveau mot de passe" in smtp.html(message)
    link = link_in(smtp, message)
    assert link.startswith("https://cep.example/-/mot-de-passe/")  # the configured origin, not the Host header
    path = link.removeprefix("https://cep.example")
    assert choose_password(client, path).location == "/-/connexion"
    assert "Votre mot de passe a été changé" in client.get("/-/connexion").get_data(as_text=True)
    assert login(client, member.email, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), member.email, PASSWORD).status_code == 401
    assert other_device.get("/").status_code == 302  # her other sessions ended
    reused = app.test_client().get(path)
    assert reused.status_code == 404 and "Lien invalide ou expiré" in reused.get_data(as_text=True)


def test_reset_answers_the_same_for_unknown_suspended_and_known_addresses(app, client, make_member, smtp):
    known, suspended = make_member(), make_member(status=Status.SUSPENDED)
    answers = [ask_reset(app.test_client(), email) for email in (known.email, suspended.email, "personne@apec.fr")]
    assert {(a.status_code, a.location) for a in answers} == {(303, "/-/connexion")}
    deliver(app)
    assert [m["To"] for m in smtp.messages] == [known.email]


def test_reset_links_expire_and_die_with_a_password_change(app, client, member, services, smtp):
    ask_reset(client, member.email)
    deliver(app)
    path = "/" + link_in(smtp, smtp.messages[0]).split("/", 3)[3]
    with services.database.write() as session:
        for token in session.scalars(select(MemberToken)):
            token.expires_at -= timedelta(hours=3)
    assert client.get(path).status_code == 404
    ask_reset(client, member.email)
    deliver(app)
    path = "/" + link_in(smtp, smtp.messages[1]).split("/", 3)[3]
    from auth_gateway import members

    with services.database.write() as session:
        members.set_password(session, member.email, "changé par un autre chemin")
    assert client.get(path).status_code == 404


def test_reset_requests_are_rate_limited_without_saying_so(app, member, smtp):
    for _ in range(6):
        assert ask_reset(app.test_client(), member.email).status_code == 303
    deliver(app)
    assert len(smtp.messages) == 3


def test_weak_or_mismatched_new_passwords_are_refused_in_french(app, client, member, smtp):
    ask_reset(client, member.email)
    deliver(app)
    path = "/" + link_in(smtp, smtp.messages[0]).split("/", 3)[3]
    for password, confirm, message in [("court", "court", "au moins 10 caractères"),
                                       ("motdepasse123", "motdepasse123", "fait partie des plus courants"),
                                       (NEW_PASSWORD, NEW_PASSWORD + "x", "ne sont pas identiques")]:
        response = choose_password(client, path, password, confirm)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert choose_password(client, path).status_code == 303  # the link still works after errors


def test_change_password_ends_other_sessions_and_keeps_this_one(app, member):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, member.email)
    login(elsewhere, member.email)
    page = here.get("/-/compte/mot-de-passe").get_data(as_text=True)
    wrong = here.post("/-/compte/mot-de-passe", data={"csrf_token": csrf_token(page), "current": "faux mot de passe",
                                                      "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Le mot de passe actuel est incorrect." in wrong.get_data(as_text=True)
    done = here.post("/-/compte/mot-de-passe", data={"csrf_token": csrf_token(page), "current": PASSWORD,
                                                     "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 200 and "vos autres sessions" in done.get_data(as_text=True)
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_an_invited_member_chooses_her_password_and_comes_in(app, services, smtp):
    from auth_gateway import imports, members

    with app.app_context(), services.database.write() as session:
        invited = members.add_member(session, services.community, email="lea@apec.fr", name="Léa Roux",
                                     structure="Apec", region="Bretagne", password=None)
        imports.send_invitation(session, invited)
    assert login(app.test_client(), "lea@apec.fr", "n'importe quoi du tout").status_code == 401
    deliver(app)
    [message] = smtp.messages
    assert "Invitation à rejoindre" in message["Subject"] and "Léa Roux" in smtp.text(message)
    path = "/" + link_in(smtp, message).split("/", 3)[3]
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    assert "Bonjour Léa Roux (Apec, Bretagne)" in page
    entered = client.post(path, data={"csrf_token": csrf_token(page), "password": NEW_PASSWORD,
                                      "confirm": NEW_PASSWORD, "years_of_practice": "3", "expertise": "VAE"})
    assert entered.status_code == 303 and client.get("/").status_code == 200
    with services.database.session() as session:
        joined = session.scalar(select(Member).where(Member.email == "lea@apec.fr"))
        assert (joined.status, joined.years_of_practice, joined.expertise) == (Status.ACTIVE, 3, "VAE")
    assert client.get(path).status_code == 404
    assert login(app.test_client(), "lea@apec.fr", NEW_PASSWORD).status_code == 302


def test_a_down_smtp_server_delays_mail_then_reports_it(app, services):
    with app.app_context(), services.database.write() as session:
        mail.queue(session, "x@apec.fr", "reset_password", name="X", hours=2, link="https://cep.example/x")
    down = Transport("smtp://127.0.0.1:9", services.paths.root / "outbox")
    assert deliver_due(services.database, down, sender="a@b.c", max_attempts=2) == (0, 0)
    with services.database.session() as session:
        job = session.scalar(select(OutboundMail))
        assert job.status == MailStatus.PENDING and job.attempts == 1 and job.last_error
    assert deliver_due(services.database, down, sender="a@b.c", max_attempts=2) == (0, 0)  # not due yet
    with services.database.write() as session:
        session.execute(update(OutboundMail).values(next_attempt_at=OutboundMail.created_at))
    assert deliver_due(services.database, down, sender="a@b.c", max_attempts=2) == (0, 1)
    with services.database.session() as session:
        assert session.scalar(select(OutboundMail.status)) == MailStatus.FAILED


def test_without_smtp_mails_land_in_the_outbox_as_eml(app, services, member):
    ask_reset(app.test_client(), member.email)
    assert deliver(app) == (1, 0)
    [eml] = (services.paths.root / "outbox").glob("*.eml")
    assert "mot-de-passe" in eml.read_text()


@pytest.mark.parametrize("path", ["/-/mot-de-passe/inconnu", "/-/invitation/inconnu", "/-/invitation/" + "x" * 500])
def test_unknown_links_get_a_french_404(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "Lien invalide ou expiré" in response.get_data(as_text=True)


def test_signed_in_member_menu_links_to_the_account(member_client):
    assert 'href="/-/compte"' in member_client.get("/").get_data(as_text=True)


def test_member_object_for_the_session(member):
    assert SignedInMember.of(member).get_id() == member.session_token
