"""Discussions through the gateway: a thread on every page, topics, moderation."""

import re
import threading
from html import unescape

import git
import pytest
from sqlalchemy import func, select

from auth_gateway import content, publish
from auth_gateway.members import SignedInMember
from auth_gateway.models import Role
from discussions.models import Comment, ModerationAction, Thread
from tests.helpers import csrf_token

PAGE = "fiches/premier-entretien.md"
URL = "/fiches/premier-entretien/"


def text(response):
    return unescape(response.get_data(as_text=True))


def post_comment(client, body, *, url=URL, thread=None, parent=None, action="publish"):
    """Post through the page's (or topic's) own form, as a browser without JavaScript does."""
    url = url if thread is None else f"/-/forum/{thread}"
    data = {"csrf_token": csrf_token(client.get(url).get_data(as_text=True)), "body": body, "action": action}
    if parent:
        data["parent"] = parent
    return client.post(url, data=data)


def comment_ids(response):
    return [int(i) for i in re.findall(r'id="commentaire-(\d+)"', response.get_data(as_text=True))]


@pytest.fixture
def author(make_member):
    return make_member(name="Awa Diallo", structure="Cap emploi", region="Occitanie")


@pytest.fixture
def author_client(app, author):
    return app.test_client(user=SignedInMember.of(author))


@pytest.fixture
def animator_client(app, make_member):
    return app.test_client(user=SignedInMember.of(make_member(role=Role.ANIMATOR, name="Anim Ateur")))


def test_an_empty_page_invites_to_comment(member_client):
    page = text(member_client.get(URL))
    assert "Aucun commentaire pour l'instant" in page and "Personne n'a encore commenté" in page
    assert 'action="#commenter"' in page and "<!--entrepairs:" not in page


def test_comment_is_published_under_the_sheet_with_author_structure_region(author_client, services):
    response = post_comment(author_client, "Je commence par **la demande réelle**.")
    assert response.status_code == 303 and response.location.startswith(URL + "#commentaire-")
    page = text(author_client.get(URL))
    assert "<strong>la demande réelle</strong>" in page
    assert "Awa Diallo" in page and "Cap emploi, Occitanie" in page and "1 commentaire(s)" in page
    with services.database.session() as session:
        comment = session.scalar(select(Comment))
        assert comment.page_commit == publish.live_commit(services.paths)


def test_preview_shows_the_rendering_and_keeps_the_text_without_saving(author_client, services):
    response = post_comment(author_client, "Un *aperçu*", action="preview")
    page = text(response)
    assert response.status_code == 200 and "Aperçu" in page and "<em>aperçu</em>" in page
    assert ">Un *aperçu*</textarea>" in page
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 0


@pytest.mark.parametrize("body, message", [("   ", "Le message est vide."),
                                           ("x" * 20_001, "Le message est trop long (20001 caractères)")])
def test_invalid_comments_come_back_with_the_text_and_a_french_error(author_client, body, message):
    response = post_comment(author_client, body)
    page = text(response)
    assert response.status_code == 400 and message in page and 'role="alert"' in page
    if body.strip():
        assert body in page


def test_posting_to_a_page_that_does_not_exist_is_404_and_to_a_file_405(author_client):
    token = csrf_token(author_client.get(URL).get_data(as_text=True))
    assert author_client.post("/fiches/inexistante/", data={"csrf_token": token, "body": "x"}).status_code == 404
    assert author_client.post("/sitemap.xml", data={"csrf_token": token, "body": "x"}).status_code == 405


def test_reply_edit_with_history_and_delete(author_client, member_client):
    post_comment(author_client, "Question initiale")
    root = comment_ids(author_client.get(URL))[0]
    assert post_comment(member_client, "Ma réponse", parent=root).status_code == 303
    reply = comment_ids(member_client.get(URL))[1]
    edit_form = author_client.get(f"/-/discussions/commentaires/{root}/modifier")
    assert edit_form.status_code == 200 and "Question initiale" in text(edit_form)
    saved = author_client.post(f"/-/discussions/commentaires/{root}/modifier",
                               data={"csrf_token": csrf_token(edit_form.get_data(as_text=True)),
                                     "body": "Question précisée", "action": "publish"})
    assert saved.status_code == 303
    page = text(author_client.get(URL))
    assert "Question précisée" in page and "(modifié)" in page
    history = author_client.get(f"/-/discussions/commentaires/{root}/versions")
    assert "Question initiale" in text(history)
    # Someone else can neither edit, nor delete, nor read the history.
    assert member_client.get(f"/-/discussions/commentaires/{root}/modifier").status_code == 403
    assert member_client.get(f"/-/discussions/commentaires/{root}/versions").status_code == 404
    token = csrf_token(member_client.get(URL).get_data(as_text=True))
    assert member_client.post(f"/-/discussions/commentaires/{root}/supprimer",
                              data={"csrf_token": token}).status_code == 403
    token = csrf_token(author_client.get(URL).get_data(as_text=True))
    assert author_client.post(f"/-/discussions/commentaires/{root}/supprimer",
                              data={"csrf_token": token}).status_code == 303
    page = text(member_client.get(URL))
    assert "Commentaire supprimé." in page and "Question précisée" not in page and "Ma réponse" in page
    assert comment_ids(member_client.get(URL)) == [root, reply]


def test_reactions_once_per_kind(author_client, member_client):
    post_comment(author_client, "Astuce")
    comment = comment_ids(author_client.get(URL))[0]
    token = csrf_token(member_client.get(URL).get_data(as_text=True))
    url = f"/-/discussions/commentaires/{comment}/reagir"
    assert member_client.post(url, data={"csrf_token": token, "kind": "useful"}).status_code == 303
    twice = member_client.post(url, data={"csrf_token": token, "kind": "useful"})
    assert twice.status_code == 409 and "Vous avez déjà réagi ainsi" in text(twice)
    assert member_client.post(url, data={"csrf_token": token, "kind": "thanks"}).status_code == 303
    page = text(member_client.get(URL))
    assert "Utile (1) (vous l'avez dit)" in page and "Merci (1) (vous l'avez dit)" in page


def test_hidden_comments_vanish_for_others_and_stay_marked_for_author_and_animators(
        author_client, member_client, animator_client, services):
    post_comment(author_client, "Un propos hors charte")
    comment = comment_ids(author_client.get(URL))[0]
    token = csrf_token(animator_client.get(URL).get_data(as_text=True))
    hidden = animator_client.post(f"/-/discussions/commentaires/{comment}/masquer",
                                  data={"csrf_token": token, "reason": "Données personnelles"})
    assert hidden.status_code == 303
    other = text(member_client.get(URL))
    assert "hors charte" not in other and f"commentaire-{comment}" not in other and "Aucun commentaire" in other
    mine = text(author_client.get(URL))
    assert "hors charte" in mine and "Masqué par l'animation : Données personnelles" in mine
    assert "Masqué par l'animation" in text(animator_client.get(URL))
    assert member_client.get(f"/-/discussions/commentaires/{comment}/modifications").status_code == 404
    with services.database.session() as session:
        action = session.scalar(select(ModerationAction))
        assert (action.kind, action.reason) == ("hide", "Données personnelles")
    log = animator_client.get("/-/forum/moderation")
    assert log.status_code == 200 and "Données personnelles" in text(log) and "Anim Ateur" in text(log)


def test_locked_thread_refuses_comments_and_hides_the_form(author_client, animator_client):
    post_comment(author_client, "Premier")
    with_thread = animator_client.get(URL).get_data(as_text=True)
    thread_id = re.search(r'/-/discussions/fils/(\d+)/verrouiller', with_thread).group(1)
    locked = animator_client.post(f"/-/discussions/fils/{thread_id}/verrouiller",
                                  data={"csrf_token": csrf_token(with_thread), "locked": "1", "reason": "Clos"})
    assert locked.status_code == 303
    page = text(author_client.get(URL))
    assert "Ce fil est verrouillé" in page and 'id="commenter"' not in page
    refused = post_comment(author_client, "Encore")
    assert refused.status_code == 409 and "Ce fil est verrouillé : impossible d'y publier." in text(refused)
    assert "Encore" in text(refused)


def test_animator_marks_the_retained_answer(author_client, member_client, animator_client):
    post_comment(author_client, "Comment mobiliser le CPF ?")
    root = comment_ids(author_client.get(URL))[0]
    post_comment(member_client, "Via Mon compte formation", parent=root)
    reply = comment_ids(member_client.get(URL))[1]
    assert "Retenir comme réponse" not in text(member_client.get(URL))
    token = csrf_token(animator_client.get(URL).get_data(as_text=True))
    assert animator_client.post(f"/-/discussions/commentaires/{reply}/retenir",
                                data={"csrf_token": token}).status_code == 303
    page = text(member_client.get(URL))
    assert "Réponse retenue" in page and "Ce fil est résolu." in page


def commit_change(instance, relative, body, message="Edit"):
    repo = git.Repo(instance.content_dir)
    path = instance.content_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    repo.git.add("--all")
    return content.commit(repo, message)


def test_a_comment_says_when_the_sheet_changed_since_with_a_diff(author_client, instance, services):
    post_comment(author_client, "Très clair")
    assert "La fiche a été modifiée depuis ce commentaire" not in text(author_client.get(URL))
    commit_change(instance, f"docs/{PAGE}", "# Premier entretien\n\n## Situation\n\nNouvelle rédaction.\n")
    publish.publish(instance, services.database)
    page = text(author_client.get(URL))
    assert "La fiche a été modifiée depuis ce commentaire" in page
    diff_url = re.search(r'href="(/-/discussions/commentaires/\d+/modifications)"', page).group(1)
    diff = text(author_client.get(diff_url))
    assert "+Nouvelle rédaction." in diff and "-1. Accueillir et présenter le CEP." in diff


def test_a_renamed_sheet_keeps_its_thread_and_its_old_url_redirects(author_client, instance, services):
    post_comment(author_client, "Commentaire qui doit suivre")
    repo = git.Repo(instance.content_dir)
    repo.git.mv(f"docs/{PAGE}", "docs/fiches/accueil-premier-entretien.md")
    index = instance.content_dir / "docs" / "fiches" / "index.md"
    index.write_text(index.read_text().replace("premier-entretien.md", "accueil-premier-entretien.md"))
    home = instance.content_dir / "docs" / "index.md"
    home.write_text(home.read_text().replace("premier-entretien.md", "accueil-premier-entretien.md"))
    repo.git.add("--all")
    content.commit(repo, "Rename the sheet")
    publish.publish(instance, services.database)
    moved = author_client.get(URL)
    assert moved.status_code == 301 and moved.location == "/fiches/accueil-premier-entretien/"
    assert "Commentaire qui doit suivre" in text(author_client.get(moved.location))


def test_a_deleted_sheets_thread_stays_readable_in_the_archive(author_client, instance, services):
    post_comment(author_client, "Souvenir de la fiche")
    repo = git.Repo(instance.content_dir)
    repo.git.rm(f"docs/{PAGE}")
    for linking in ("docs/index.md", "docs/fiches/index.md"):
        path = instance.content_dir / linking
        path.write_text(re.sub(r"\[[^]]*\]\([^)]*premier-entretien\.md\)", "x", path.read_text()))
    repo.git.add("--all")
    content.commit(repo, "Delete the sheet")
    publish.publish(instance, services.database)
    archives = text(author_client.get("/-/forum/archives"))
    assert PAGE in archives
    thread_id = re.search(r'href="/-/forum/(\d+)"', archives).group(1)
    archived = text(author_client.get(f"/-/forum/{thread_id}"))
    assert "Souvenir de la fiche" in archived and "archivée" in archived and 'id="commenter"' not in archived


def test_forum_topics_by_activity_with_unanswered_filter_and_pagination(author_client, member_client):
    form = author_client.get("/-/forum/nouveau").get_data(as_text=True)
    for number in range(21):
        created = author_client.post("/-/forum/nouveau", data={
            "csrf_token": csrf_token(form), "title": f"Sujet {number}", "category": "pratique",
            "body": "Comment faites-vous ?", "action": "publish"})
        assert created.status_code == 303
    first_topic = int(re.search(r"/-/forum/(\d+)", created.location).group(1)) - 20
    post_comment(member_client, "Voici comment", thread=first_topic)
    listing = text(member_client.get("/-/forum"))
    assert listing.index("Sujet 0") < listing.index("Sujet 20")  # latest activity first
    assert "Page 1 sur 2" in listing and "1 réponse(s)" in listing
    unanswered = text(member_client.get("/-/forum?sans-reponse=1"))
    assert "Sujet 0<" not in unanswered and "Sujet 20" in unanswered
    assert "Sujet 0<" in text(member_client.get("/-/forum?categorie=pratique&page=1"))
    assert member_client.get("/-/forum?page=3").status_code == 404
    assert member_client.get("/-/forum?categorie=inconnue").status_code == 404


def test_new_topic_errors_keep_everything_typed(author_client):
    form = author_client.get("/-/forum/nouveau").get_data(as_text=True)
    response = author_client.post("/-/forum/nouveau", data={
        "csrf_token": csrf_token(form), "title": "  ", "category": "outils", "body": "Mon long message",
        "action": "publish"})
    page = text(response)
    assert response.status_code == 400 and "Le titre est vide." in page
    assert "Mon long message</textarea>" in page and 'value="outils" selected' in page


def test_fifty_members_posting_at_once_lose_nothing(app, make_member, services):
    clients = [app.test_client(user=SignedInMember.of(make_member())) for _ in range(50)]
    tokens = [csrf_token(c.get(URL).get_data(as_text=True)) for c in clients]
    statuses = []

    def write(client, token, number):
        statuses.append(client.post(URL, data={
            "csrf_token": token, "body": f"Message {number}", "action": "publish"}).status_code)

    workers = [threading.Thread(target=write, args=(c, t, n)) for n, (c, t) in enumerate(zip(clients, tokens))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert statuses == [303] * 50
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 50
        assert session.scalar(select(Thread.visible_count)) == 50
    assert "50 commentaire(s)" in text(clients[0].get(URL))


def test_a_long_thread_is_paginated(app, author_client, services):
    from discussions import services as discussions

    with services.database.write() as session:
        for number in range(120):
            discussions.post_comment(session, author_id=1, body=f"Message n° {number}", page_path=PAGE)
    first = text(author_client.get(URL))
    assert "Message n° 0<" in first and "Message n° 50<" not in first and "Page 1 sur 3 de la discussion" in first
    assert "Message n° 119<" in text(author_client.get(URL + "?discussion=3"))
    # A new comment lands on the last page, and the member is taken there.
    posted = post_comment(author_client, "Le tout dernier mot")
    assert posted.location.startswith(URL + "?discussion=3#commentaire-")
    assert "Le tout dernier mot" in text(author_client.get(posted.location.split("#")[0]))
