"""Profiles and the directory, the yearly check of practice, members' administration,
the audit log and the members export."""

import csv
import re
import io
from html import unescape
from datetime import timedelta

from sqlalchemy import select

from auth_gateway import mail
from auth_gateway.admin import spreadsheet_safe
from auth_gateway.members import SignedInMember
from auth_gateway.models import AuditEvent, AuditKind, Member, Role, Status
from discussions import services as discussions
from tests.helpers import csrf_token, login
from tests.test_cli import run


def test_profile_then_directory_search_ignores_case_and_accents(app, member_client, member, make_member):
    page = unescape(member_client.get("/-/compte").get_data(as_text=True))
    saved = member_client.post("/-/compte", data={"csrf_token": csrf_token(page), "display_name": "Hélène Petit",
                                                  "years_of_practice": "12", "expertise": "VAE, publics jeunes"})
    assert saved.status_code == 200 and "Profil enregistré." in saved.get_data(as_text=True)
    make_member(name="Bruno Vaé", structure="Apec", region="Bretagne")
    make_member(status=Status.SUSPENDED, name="Suspendue Vae")
    found = unescape(member_client.get("/-/membres?q=vae").get_data(as_text=True))
    assert "Hélène Petit" in found and "12 an(s) d'exercice" in found and "Bruno Vaé" in found
    assert "Suspendue Vae" not in found
    only_apec = unescape(member_client.get("/-/membres?q=vae&structure=Apec").get_data(as_text=True))
    assert "<strong>Bruno Vaé</strong>" in only_apec and "<strong>Hélène Petit</strong>" not in only_apec
    bad = member_client.post("/-/compte", data={"csrf_token": csrf_token(page), "display_name": "X",
                                                "years_of_practice": "200"})
    assert bad.status_code == 400 and "entre 0 et 60" in bad.get_data(as_text=True)


def test_yearly_check_reminds_then_suspends(app, instance, services, make_member, smtp):
    late, due, fresh = make_member(name="En retard"), make_member(name="Bientôt"), make_member(name="À jour")
    with services.database.write() as session:
        for member, days in ((late, 400), (due, 340)):
            row = session.get(Member, member.id)
            row.practice_confirmed_at = row.practice_confirmed_at - timedelta(days=days)
    result = run(instance.root, "member", "check-practice")
    assert "Rappels envoyés : 1 ; comptes suspendus faute de confirmation : 1." in result.output
    with services.database.session() as session:
        assert session.get(Member, late.id).status == Status.SUSPENDED
        assert session.get(Member, due.id).status == Status.ACTIVE
    mail.deliver_for(app)
    subjects = {m["To"]: m["Subject"] for m in smtp.messages}
    assert "confirmez que vous exercez toujours" in subjects[due.email]
    assert "votre compte est suspendu" in subjects[late.email]
    assert fresh.email not in subjects
    assert "Rappels envoyés : 0" in run(instance.root, "member", "check-practice").output  # reminded once
    client = app.test_client(user=SignedInMember.of(due))
    page = unescape(client.get("/-/compte/exercice").get_data(as_text=True))
    confirmed = client.post("/-/compte/exercice", data={"csrf_token": csrf_token(page)})
    assert "c'est noté" in unescape(confirmed.get_data(as_text=True))
    with services.database.session() as session:
        assert session.get(Member, due.id).practice_reminded_at is None


def test_an_animator_suspends_a_member_who_is_logged_out_everywhere(app, make_member, services):
    advisor = make_member(name="À suspendre")
    her_browser = app.test_client()
    login(her_browser, advisor.email)
    animator = app.test_client(user=SignedInMember.of(make_member(role=Role.ANIMATOR)))
    page = unescape(animator.get("/-/admin/membres").get_data(as_text=True))
    assert "À suspendre" in page and "Changer le rôle" not in page and "Effacer" not in page
    done = animator.post(f"/-/admin/membres/{advisor.id}/statut", data={"csrf_token": csrf_token(page),
                                                                          "status": "suspended"})
    assert done.status_code == 303 and her_browser.get("/").status_code == 302
    assert animator.post(f"/-/admin/membres/{advisor.id}/statut", data={
        "csrf_token": csrf_token(page), "status": "removed"}).status_code == 403
    with services.database.session() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.kind == AuditKind.STATUS_CHANGED))
        assert (event.subject, event.detail) == (advisor.email, "suspended")


def test_an_admin_assigns_roles_and_erases_a_member_whose_comments_stay_anonymous(app, make_member, services):
    leaver = make_member(name="Camille Départ")
    with services.database.write() as session:
        discussions.post_comment(session, author_id=leaver.id, body="Mon astuce", page_path="fiches/premier-entretien.md")
    admin = app.test_client(user=SignedInMember.of(make_member(role=Role.ADMIN)))
    page = unescape(admin.get("/-/admin/membres").get_data(as_text=True))
    assert admin.post(f"/-/admin/membres/{leaver.id}/role", data={"csrf_token": csrf_token(page),
                                                                   "role": "animator"}).status_code == 303
    assert admin.post(f"/-/admin/membres/{leaver.id}/effacer", data={"csrf_token": csrf_token(page)}).status_code == 303
    sheet = unescape(admin.get("/fiches/premier-entretien/").get_data(as_text=True))
    assert "Mon astuce" in sheet and "Ancien·ne membre" in sheet and "Camille Départ" not in sheet
    with services.database.session() as session:
        erased = session.get(Member, leaver.id)
        assert erased.status == Status.REMOVED and leaver.email not in erased.email
    journal = unescape(admin.get("/-/admin/journal").get_data(as_text=True))
    assert "Rôle changé" in journal and "Membre effacé·e" in journal


def test_nobody_changes_her_own_status_or_role_by_mistake(app, make_member):
    admin_member = make_member(role=Role.ADMIN)
    admin = app.test_client(user=SignedInMember.of(admin_member))
    page = unescape(admin.get("/-/admin/membres").get_data(as_text=True))
    assert admin.post(f"/-/admin/membres/{admin_member.id}/role", data={"csrf_token": csrf_token(page),
                                                                         "role": "member"}).status_code == 403


def test_logins_and_failed_logins_are_audited_without_forged_lines(app, client, member, services):
    login(client, "intrus@apec.fr\r\n2026-01-01 admin login ok", "mauvais mot de passe")
    login(client, member.email)
    with services.database.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.kind for e in events] == [AuditKind.LOGIN_FAILED, AuditKind.LOGIN]
    assert "\r" not in events[0].subject and "\n" not in events[0].subject
    assert events[1].actor_id == member.id and events[1].address == "127.0.0.1"


def test_export_is_safe_for_spreadsheets(app, make_member):
    make_member(name="=HYPERLINK(\"http://evil.example\";\"clic\")", email="formule@apec.fr")
    admin = app.test_client(user=SignedInMember.of(make_member(role=Role.ADMIN)))
    response = admin.get("/-/admin/membres.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    raw = response.get_data(as_text=True).lstrip("\ufeff")
    assert raw.startswith('"email";"name"')  # semicolons, every cell quoted
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    names = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\";\"clic\")" in names
    assert all(not name.startswith(("=", "+", "-", "@")) for name in names)
    assert [spreadsheet_safe(v) for v in ("+33", "-1", "@a", "\tx", "ok", None)] == ["'+33", "'-1", "'@a", "'\tx",
                                                                                    "ok", ""]


def test_an_admin_edits_structures_regions_and_questions_online(app, instance, make_member, services):
    admin = app.test_client(user=SignedInMember.of(make_member(role=Role.ADMIN)))
    page = unescape(admin.get("/-/admin/communaute").get_data(as_text=True))
    assert "France Travail | Pôle emploi | francetravail.fr, pole-emploi.fr" in page
    texts = {"structures": "France Travail | Pôle emploi | francetravail.fr\nCap emploi |  | capemploi.example",
             "regions": "Bretagne\nOccitanie",
             "eligibility": "practices | Exercez-vous le CEP ? | oui"}
    saved = admin.post("/-/admin/communaute", data={"csrf_token": csrf_token(page), **texts})
    assert saved.status_code == 200 and "Réglages enregistrés." in unescape(saved.get_data(as_text=True))
    community = services.community
    assert [s.name for s in community.structures] == ["France Travail", "Cap emploi"]
    assert community.find_structure("cap emploi").email_domains == ("capemploi.example",)
    assert community.regions == ("Bretagne", "Occitanie") and len(community.eligibility) == 1
    assert community.categories  # untouched sections stay
    broken = admin.post("/-/admin/communaute", data={"csrf_token": csrf_token(page), **texts,
                                                     "eligibility": "practices | Exercez-vous ? | peut-être"})
    text = unescape(broken.get_data(as_text=True))
    assert broken.status_code == 400 and "Questions, ligne 1" in text and "peut-être" in text
    duplicate = admin.post("/-/admin/communaute", data={"csrf_token": csrf_token(page), **texts,
                                                        "regions": "Bretagne\nbretagne"})
    assert duplicate.status_code == 400 and services.community.regions == ("Bretagne", "Occitanie")


def test_import_from_the_admin_page_previews_then_invites(app, make_member, services):
    import io as _io

    from sqlalchemy import func

    from auth_gateway.models import OutboundMail

    admin = app.test_client(user=SignedInMember.of(make_member(role=Role.ADMIN)))
    page = admin.get("/-/admin/import").get_data(as_text=True)
    bad = "email;nom;structure;région\nx@apec.fr;X;Apec;Bretagne\ny@gmail.com;Y;Apec;Bretagne\n".encode()
    preview = admin.post("/-/admin/import", data={"csrf_token": csrf_token(page),
                                                  "file": (_io.BytesIO(bad), "membres.csv")},
                         content_type="multipart/form-data")
    text = unescape(preview.get_data(as_text=True))
    assert preview.status_code == 400 and "n'est pas d'un domaine de Apec" in text and "Inviter ces" not in text
    good = bad.replace(b"gmail.com", b"apec.fr")
    preview = admin.post("/-/admin/import", data={"csrf_token": csrf_token(page),
                                                  "file": (_io.BytesIO(good), "membres.csv")},
                         content_type="multipart/form-data")
    text = unescape(preview.get_data(as_text=True))
    assert "2 à inviter, 0 déjà membres, 0 en erreur." in text
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMail)) == 0  # nothing written yet
    confirm = re.search(r'action="(/-/admin/import/[^"]+)"', text).group(1)
    done = admin.post(confirm, data={"csrf_token": csrf_token(text)})
    assert "2 membre(s) invité(s)" in unescape(done.get_data(as_text=True))
    assert admin.post(confirm, data={"csrf_token": csrf_token(text)}).status_code == 404  # used once
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMail)) == 2
    member = app.test_client(user=SignedInMember.of(make_member()))
    assert member.get("/-/admin/import").status_code == 403
