"""The index follows what changes: comments edited or deleted, sheets edited, renamed or deleted."""

import re
from html import unescape

import git

from auth_gateway import content, indexing, publish
from discussions import services as discussions

PAGE = "fiches/premier-entretien.md"


def results(client, query):
    page = unescape(client.get("/-/recherche", query_string={"q": query}).get_data(as_text=True))
    count = int(re.search(r'role="status">(\d+) résultat', page).group(1))
    return count, re.findall(r'<a href="([^"]+)"><strong>', page)


def commit(instance, message, change):
    repo = git.Repo(instance.content_dir)
    change(repo, instance.content_dir / "docs")
    repo.git.add("--all")
    content.commit(repo, message)


def test_an_edited_then_deleted_comment_is_found_by_its_new_words_then_no_more(member_client, member, services):
    with services.database.write() as session:
        comment = discussions.post_comment(session, author_id=member.id, body="J'utilise le génogramme.",
                                           page_path=PAGE)
    services.indexer.flush()
    assert results(member_client, "genogramme")[0] == 1
    with services.database.write() as session:
        discussions.edit_comment(session, comment_id=comment.id, editor_id=member.id, body="Plutôt le photolangage.")
    services.indexer.flush()
    assert results(member_client, "genogramme")[0] == 0 and results(member_client, "photolangage")[0] == 1
    with services.database.write() as session:
        discussions.delete_comment(session, comment_id=comment.id, member_id=member.id)
    services.indexer.flush()
    assert results(member_client, "photolangage")[0] == 0


def test_a_publish_reindexes_only_the_pages_that_changed(member_client, instance, services, monkeypatch):
    read = []
    section_records = indexing.section_records
    monkeypatch.setattr(indexing, "section_records", lambda root, page: read.append(page) or section_records(root, page))
    commit(instance, "New section", lambda repo, docs: (docs / PAGE).write_text(
        "# Premier entretien\n\n## Outils rares\n\nLe xylophone des émotions.\n", encoding="utf-8"))
    publish.publish(instance, services.database)
    assert read == [PAGE]
    assert results(member_client, "xylophones") == (1, ["/fiches/premier-entretien/#outils-rares"])
    assert results(member_client, "accueillir presenter")[0] == 0  # the old text is gone
    assert results(member_client, "bienvenue")[0] == 1  # the unchanged home page is still there


def test_a_renamed_sheet_is_found_at_its_new_address_with_its_discussion(member_client, member, instance, services):
    with services.database.write() as session:
        discussions.post_comment(session, author_id=member.id, body="Le génogramme aide.", page_path=PAGE)
    services.indexer.flush()

    def rename(repo, docs):
        repo.git.mv(f"docs/{PAGE}", "docs/fiches/accueil.md")
        for linking in (docs / "index.md", docs / "fiches" / "index.md"):
            linking.write_text(linking.read_text().replace("premier-entretien.md", "accueil.md"))

    commit(instance, "Rename", rename)
    publish.publish(instance, services.database)
    services.indexer.flush()
    assert results(member_client, "accueillir presenter") == (1, ["/fiches/accueil/#etapes"])
    count, links = results(member_client, "genogramme")
    assert count == 1 and links[0].startswith("/fiches/accueil/#commentaire-")


def test_a_deleted_sheet_leaves_the_index_but_its_discussion_stays_findable(member_client, member, instance,
                                                                           services):
    with services.database.write() as session:
        discussions.post_comment(session, author_id=member.id, body="Le génogramme aide.", page_path=PAGE)
    services.indexer.flush()

    def delete(repo, docs):
        repo.git.rm(f"docs/{PAGE}")
        for linking in (docs / "index.md", docs / "fiches" / "index.md"):
            linking.write_text(re.sub(r"\[[^]]*\]\([^)]*premier-entretien\.md\)", "x", linking.read_text()))

    commit(instance, "Delete", delete)
    publish.publish(instance, services.database)
    services.indexer.flush()
    assert results(member_client, "accueillir presenter")[0] == 0
    count, links = results(member_client, "genogramme")
    assert count == 1 and re.fullmatch(r"/-/forum/\d+#commentaire-\d+", links[0])
