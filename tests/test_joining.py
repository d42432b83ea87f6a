"""Asking to join, confirming by e-mail, an animator's decision, first login."""

import re

import pytest
from sqlalchemy import select

from auth_gateway import mail
from auth_gateway.members import SignedInMember
from auth_gateway.models import JoinRequest, JoinStatus, Member, Role
from tests.helpers import csrf_token, login
from tests.test_account import NEW_PASSWORD, choose_password

ELIGIBLE = {"q_practices": "oui", "q_manages": "non"}


def ask_to_join(client, **overrides):
    page = client.get("/-/rejoindre").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "email": "ines.garcia@apec.fr", "name": "Inès Garcia",
            "structure": "Apec", "region": "Occitanie", "job_title": "Consultante en évolution professionnelle",
            **ELIGIBLE, **overrides}
    return client.post("/-/rejoindre", data=data)


def path_of(inbox, message):
    return "/" + re.search(r"https?://\S+", inbox.text(message)).group(0).split("/", 3)[3]


@pytest.fixture
def occitanie_animator(app, make_member):
    return app.test_client(user=SignedInMember.of(make_member(role=Role.ANIMATOR, region="Occitanie")))


def test_join_confirm_approve_first_login(app, client, smtp, occitanie_animator, make_member, services):
    sent = ask_to_join(client)
    assert sent.status_code == 200 and "Vérifiez votre messagerie" in sent.get_data(as_text=True)
    mail.deliver_for(app)
    [confirmation] = smtp.messages
    assert confirmation["To"] == "ines.garcia@apec.fr" and "confirmez votre adresse" in confirmation["Subject"]
    # Not visible to animators before the address is confirmed.
    assert "Inès Garcia" not in occitanie_animator.get("/-/membres/demandes").get_data(as_text=True)
    confirmed = client.get(path_of(smtp, confirmation))
    assert confirmed.status_code == 200 and "Adresse confirmée" in confirmed.get_data(as_text=True)
    listing = occitanie_animator.get("/-/membres/demandes").get_data(as_text=True)
    assert "Inès Garcia" in listing and "adresse du domaine de la structure" in listing
    other_region = app.test_client(user=SignedInMember.of(make_member(role=Role.ANIMATOR, region="Bretagne")))
    assert "Inès Garcia" not in other_region.get("/-/membres/demandes").get_data(as_text=True)
    request_id = int(re.search(r'id="demande-(\d+)"', listing).group(1))
    assert other_region.post(f"/-/membres/demandes/{request_id}/decision",
                             data={"csrf_token": csrf_token(listing), "decision": "approve"}).status_code in (400, 404)
    token = csrf_token(occitanie_animator.get("/-/membres/demandes").get_data(as_text=True))
    decided = occitanie_animator.post(f"/-/membres/demandes/{request_id}/decision",
                                      data={"csrf_token": token, "decision": "approve"})
    assert decided.status_code == 303
    mail.deliver_for(app)
    invitation = smtp.messages[1]
    assert invitation["To"] == "ines.garcia@apec.fr" and "Invitation" in invitation["Subject"]
    newcomer = app.test_client()
    assert choose_password(newcomer, path_of(smtp, invitation)).status_code == 303
    assert newcomer.get("/").status_code == 200
    assert login(app.test_client(), "ines.garcia@apec.fr", NEW_PASSWORD).status_code == 302


def test_refusal_is_sent_with_its_reason(app, client, smtp, occitanie_animator, services):
    ask_to_join(client, email="paul@gmail.com", name="Paul Martin")
    mail.deliver_for(app)
    client.get(path_of(smtp, smtp.messages[0]))
    listing = occitanie_animator.get("/-/membres/demandes").get_data(as_text=True)
    assert "hors des domaines de la structure" in listing  # flagged for a closer look
    request_id = int(re.search(r'id="demande-(\d+)"', listing).group(1))
    no_reason = occitanie_animator.post(f"/-/membres/demandes/{request_id}/decision",
                                        data={"csrf_token": csrf_token(listing), "decision": "refuse"})
    assert no_reason.status_code == 400 and "Indiquez la raison du refus" in no_reason.get_data(as_text=True)
    occitanie_animator.post(f"/-/membres/demandes/{request_id}/decision",
                            data={"csrf_token": csrf_token(listing), "decision": "refuse",
                                  "reason": "Adresse personnelle : écrivez-nous depuis votre adresse professionnelle."})
    mail.deliver_for(app)
    refusal = smtp.messages[1]
    assert "votre demande d'adhésion" in refusal["Subject"] and "adresse professionnelle" in smtp.text(refusal)
    with services.database.session() as session:
        assert session.scalar(select(JoinRequest.status)) == JoinStatus.REFUSED
        assert session.scalar(select(Member).where(Member.email == "paul@gmail.com")) is None


@pytest.mark.parametrize("answers", [{"q_practices": "non", "q_manages": "non"}, {"q_practices": "oui", "q_manages": "oui"}])
def test_managers_and_other_professions_are_refused_politely(app, client, smtp, answers, services):
    response = ask_to_join(client, **answers)
    assert response.status_code == 200 and "Merci de votre intérêt" in response.get_data(as_text=True)
    assert mail.deliver_for(app) == (0, 0)
    with services.database.session() as session:
        assert session.scalar(select(JoinRequest)) is None


def test_missing_fields_come_back_in_french_with_what_was_typed(client):
    response = ask_to_join(client, job_title="", q_manages="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Ce champ est obligatoire." in page
    assert 'value="Inès Garcia"' in page and 'value="oui"' in page and "checked" in page


def test_a_members_address_gets_the_same_answer_and_no_request(app, client, member, smtp, services):
    response = ask_to_join(client, email=member.email.upper())
    assert "Vérifiez votre messagerie" in response.get_data(as_text=True)
    assert mail.deliver_for(app) == (0, 0)
    with services.database.session() as session:
        assert session.scalar(select(JoinRequest)) is None


def test_join_requests_are_rate_limited_silently(app, smtp):
    for number in range(12):
        assert ask_to_join(app.test_client(), email=f"p{number}@apec.fr").status_code == 200
    mail.deliver_for(app)
    assert len(smtp.messages) == 10


def test_a_plain_member_cannot_see_requests(member_client):
    assert member_client.get("/-/membres/demandes").status_code == 403

