"""Search through the gateway: sheets by section and discussions, kept up to date."""

import os
import shutil
import time
from html import unescape

from flask_login import login_user
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

from auth_gateway import indexing
from auth_gateway import search as search_module
from auth_gateway.members import SignedInMember
from auth_gateway.models import Role
from discussions import services as discussions
from tests.helpers import csrf_token
from tests.test_cli import run


def search(client, query, kind=""):
    response = client.get("/-/recherche", query_string={"q": query, "type": kind})
    return response, unescape(response.get_data(as_text=True))


def test_sections_of_sheets_are_found_with_accents_and_plurals_ignored(member_client):
    response, page = search(member_client, "presente cep")
    assert response.status_code == 200 and "1 résultat(s)" in page
    assert 'href="/fiches/premier-entretien/#etapes"' in page and "<mark>" in page
    assert "Premier entretien — Étapes" in page


def test_a_new_comment_is_found_at_once_and_a_hidden_one_no_more(app, member_client, make_member, services):
    page = member_client.get("/fiches/premier-entretien/").get_data(as_text=True)
    member_client.post("/fiches/premier-entretien/", data={"csrf_token": csrf_token(page), "action": "publish",
                                                           "body": "Je propose un génogramme professionnel."})
    services.indexer.flush()  # indexed in the background, well under a second
    response, results = search(member_client, "genogrammes", kind="discussions")
    assert "1 résultat(s)" in results and "Discussion" in results and "#commentaire-" in results
    animator = make_member(role=Role.ANIMATOR)
    with services.database.write() as session:
        comment = discussions.page_thread(session, "fiches/premier-entretien.md").comments[0]
        discussions.hide_comment(session, comment_id=comment.id, moderator_id=animator.id, reason="Test")
    services.indexer.flush()
    assert "0 résultat(s)" in search(member_client, "génogramme")[1]
    animator_client = app.test_client(user=SignedInMember.of(animator))
    found = search(animator_client, "génogramme")[1]
    assert "1 résultat(s)" in found and "masqué par l'animation" in found


def test_topics_are_found_and_filters_separate_sheets_from_discussions(app, member_client, member, services):
    with services.database.write() as session:
        discussions.create_topic(session, author_id=member.id, title="Accueillir un public jeune",
                                 category="pratique", body="Comment accueillez-vous les 16-25 ans ?",
                                 categories=services.community.categories)
    services.indexer.flush()
    _, everything = search(member_client, "accueillir")
    assert "Sujet du forum" in everything and "Fiche" in everything
    _, sheets = search(member_client, "accueillir", kind="fiches")
    assert "Sujet du forum" not in sheets


def test_bad_queries_get_a_french_message_not_an_error(member_client):
    for query, message in [("a*", "L'astérisque ne s'utilise"), ("-cep", "pas seulement des mots à exclure"),
                           ("x" * 300, "trop longue"), ("les des", "trop courants")]:
        response, page = search(member_client, query)
        assert response.status_code == 400 and message in page


def test_nothing_found_suggests_the_forum(member_client):
    _, page = search(member_client, "xylophone")
    assert "Aucun résultat." in page and "/-/forum/nouveau" in page


REBUILDING = "La recherche est en cours de préparation"


def test_a_missing_index_is_rebuilt_in_the_background_and_reindex_rebuilds_beside(instance, member_client,
                                                                                  services):
    shutil.rmtree(instance.root / "search_index", ignore_errors=True)
    (instance.root / "search_index").unlink(missing_ok=True)
    response, page = search(member_client, "accueillir presenter")
    assert response.status_code == 503 and REBUILDING in page and response.headers["Retry-After"] == "60"
    assert member_client.get("/fiches/premier-entretien/").status_code == 200
    assert search(member_client, "accueillir")[0].status_code == 503  # asks again: still one rebuild
    assert services.indexer.pending.unfinished_tasks == 1
    services.indexer.flush()
    assert "1 résultat(s)" in search(member_client, "accueillir presenter")[1]
    before = (instance.root / "search_index").resolve()
    result = run(instance.root, "reindex")
    assert result.exit_code == 0 and "Index de recherche reconstruit" in result.output
    after = (instance.root / "search_index").resolve()
    assert after != before and not before.exists()
    assert "1 résultat(s)" in search(member_client, "accueillir presenter")[1]


def test_the_header_search_box_points_at_the_search_page(app, member):
    client = app.test_client(user=SignedInMember.of(member))
    assert 'action="/-/recherche"' in client.get("/").get_data(as_text=True)


def test_a_new_topic_preview_shows_similar_sheets_and_discussions(member_client):
    form = member_client.get("/-/forum/nouveau").get_data(as_text=True)
    preview = member_client.post("/-/forum/nouveau", data={
        "csrf_token": csrf_token(form), "title": "Comment accueillir une personne au premier rendez-vous ?",
        "category": "pratique", "body": "Vos conseils ?", "action": "preview"})
    page = unescape(preview.get_data(as_text=True))
    assert "Déjà abordé ?" in page and 'href="/fiches/premier-entretien/' in page


def test_similar_items_read_a_title_as_words_not_as_query_syntax(app, member):
    with app.test_request_context():
        login_user(SignedInMember.of(member))
        for title in ['Accueillir -au "premier" rendez-vous*', "accueillir un* public"]:
            assert any(hit.url.startswith("/fiches/premier-entretien/") for hit in search_module.similar(title))
        assert search_module.similar("les des -- **") == []


def test_a_corrupt_index_is_rebuilt_while_the_site_serves(instance, member_client, services):
    folder = (instance.root / "search_index").resolve()
    for file in folder.iterdir():  # the segments vanish, the table of contents still lists them
        if not file.name.endswith(".toc"):
            file.unlink()
    assert member_client.get("/fiches/premier-entretien/").status_code == 200
    response, page = search(member_client, "accueillir presenter")
    assert response.status_code == 503 and REBUILDING in page
    services.indexer.flush()
    response, page = search(member_client, "accueillir presenter")
    assert response.status_code == 200 and "1 résultat(s)" in page and not folder.exists()


def test_an_index_of_an_earlier_version_is_rebuilt(instance, member_client, services):
    folder = (instance.root / "search_index").resolve()
    whoosh_index.create_in(str(folder), Schema(id=ID(unique=True, stored=True), title=TEXT, body=TEXT))
    assert search(member_client, "accueillir presenter")[0].status_code == 503
    services.indexer.flush()
    assert "1 résultat(s)" in search(member_client, "accueillir presenter")[1]


def test_one_rebuild_at_a_time_and_changes_wait_for_it(instance, member_client, member, services):
    lock = instance.root / indexing.REBUILD_LOCK
    lock.write_text("4242\n")  # another process is rebuilding
    result = run(instance.root, "reindex")
    assert result.exit_code == 1 and "déjà en cours" in result.output
    with services.database.write() as session:
        discussions.create_topic(session, author_id=member.id, title="Le photolangage", category="pratique",
                                 body="Qui utilise le photolangage ?", categories=services.community.categories)
    services.indexer.flush(timeout=1.0)
    assert "0 résultat(s)" in search(member_client, "photolangage")[1]  # held back until the rebuild ends
    lock.unlink()
    services.indexer.flush()
    assert "1 résultat(s)" in search(member_client, "photolangage")[1]


def test_a_stale_rebuild_lock_is_taken_over(instance):
    lock = instance.root / indexing.REBUILD_LOCK
    lock.write_text("4242\n")
    old = time.time() - indexing.STALE_REBUILD - 1
    os.utime(lock, (old, old))
    result = run(instance.root, "reindex")
    assert result.exit_code == 0 and not lock.exists()


def test_totals_beyond_the_cap_say_more_and_pages_stop_there(member_client, member, services, monkeypatch):
    with services.database.write() as session:
        for n in range(3):
            discussions.create_topic(session, author_id=member.id, title=f"Génogramme {n}", category="pratique",
                                     body="Qui utilise le génogramme ?", categories=services.community.categories)
    services.indexer.flush()
    monkeypatch.setattr("search_index.index.MAX_TOTAL", 2)
    assert "Plus de 2 résultats" in search(member_client, "genogramme")[1]
    response = member_client.get("/-/recherche", query_string={"q": "genogramme", "page": 10 ** 9})
    assert response.status_code == 200 and "<mark>génogramme</mark>" in unescape(response.get_data(as_text=True))
