"""The search library on a temporary index, without Flask."""

import os

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

from search_index.analysis import FoldFilter, terms
from search_index.index import IncompleteBuild, MissingIndex, OutdatedIndex, SearchIndex
from search_index.query import QueryError, parse


@pytest.mark.parametrize("query, text", [
    ("evolution professionnelle", "Les évolutions professionnelles des salariés"),
    ("conseillère", "Les conseillers du réseau"),
    ("oeuvre", "Une œuvre collective"),
    ("ECOLE", "l'école de la deuxième chance"),
])
def test_accents_plurals_and_ligatures_do_not_matter(query, text):
    assert set(terms(query)) <= set(terms(text))


def test_stop_words_are_not_indexed():
    assert terms("les droits de l'accompagnement du salarié") == ["droit", "accompagn", "salar"]


@pytest.fixture
def index(tmp_path):
    index = SearchIndex(tmp_path / "index")
    index.create()
    index.update([
        {"id": "section:fiches/vae.md#etapes", "kind": "section", "page": "fiches/vae.md",
         "title": "VAE — Étapes", "body": "Vérifier la recevabilité puis préparer le jury de validation.",
         "url": "/fiches/vae/#etapes"},
        {"id": "section:fiches/cpf.md#situation", "kind": "section", "page": "fiches/cpf.md",
         "title": "Mobiliser le CPF — Situation", "body": "Le compte personnel de formation finance une formation.",
         "url": "/fiches/cpf/#situation"},
        {"id": "comment:1", "kind": "comment", "page": "fiches/vae.md", "thread": "1", "title": "VAE",
         "body": "Pour le jury, je fais répéter une mise en situation professionnelle.", "url": "/fiches/vae/#c1",
         "author": "Sophie Lefèvre", "date": "2026-11-29"},
    ])
    yield index
    index.close()


def total(index, query, **options):
    return index.search(query, **options).total


def test_search_finds_sheets_and_comments_with_highlighted_excerpts(index):
    found = index.search("jury")
    assert found.total == 2 and not found.more and {h.kind for h in found.hits} == {"section", "comment"}
    assert all("<mark>jury</mark>" in h.excerpt for h in found.hits)
    comment = next(h for h in found.hits if h.kind == "comment")
    assert comment.author == "Sophie Lefèvre" and comment.url == "/fiches/vae/#c1" and comment.title == "VAE"


def test_filters_phrases_exclusions_and_prefixes(index):
    assert total(index, "jury", kinds=("section",)) == 1
    assert total(index, "jury", kinds=("comment", "topic")) == 1
    assert total(index, '"compte personnel"') == 1
    assert total(index, '"comptes personnels de formations"') == 1
    assert total(index, '"personnel compte"') == 0
    assert total(index, "jury -répéter") == 1
    assert total(index, 'jury -"mise en situation"') == 1
    assert total(index, "recev*") == 1
    assert total(index, "introuvab*") == 0
    assert index.search("formations").hits[0].id == "section:fiches/cpf.md#situation"


def test_a_comment_is_found_by_what_it_says_not_by_its_page_title(index):
    assert total(index, "VAE") == 1  # the sheet's section; the comment only sits under a page named "VAE"


def test_a_section_heading_weighs_more_than_its_body(index):
    index.update([{"id": "section:fiches/jury.md#intro", "kind": "section", "page": "fiches/jury.md",
                   "title": "Le jury", "body": "Un mot sur la préparation.", "url": "/fiches/jury/"}])
    assert index.search("jury").hits[0].id == "section:fiches/jury.md#intro"


def test_updates_and_deletions_are_seen_by_the_next_search(index):
    assert total(index, "jury") == 2
    index.update(delete_ids=["comment:1"])
    assert total(index, "jury") == 1
    index.update([{"id": "comment:2", "kind": "comment", "title": "VAE", "body": "Un jury bienveillant"}])
    assert total(index, "bienveillant") == 1
    index.update(delete_pages=["fiches/vae.md"])
    assert total(index, "recevabilité") == 0 and total(index, "bienveillant") == 1


def comments(count, word="entretien"):
    return [{"id": f"comment:{n}", "kind": "comment", "title": "Forum", "body": f"Un {word} numéro {n}."}
            for n in range(count)]


def test_a_full_build_uses_both_cores_and_finds_everything(tmp_path):
    index = SearchIndex(tmp_path / "built")
    index.create()
    index.build(comments(300))
    found = index.search("entretiens", per_page=5, page=3)
    assert found.total == 300 and len(found.hits) == 5
    assert len({h.id for p in range(1, 61) for h in index.search("entretien", page=p, per_page=5).hits}) == 300
    index.close()


def test_totals_beyond_the_cap_are_shown_as_more(tmp_path, monkeypatch):
    monkeypatch.setattr("search_index.index.MAX_TOTAL", 40)
    index = SearchIndex(tmp_path / "many")
    index.create()
    index.update(comments(41) + [{**c, "id": f"hidden:{n}", "hidden": "yes"} for n, c in enumerate(comments(5))])
    assert (total(index, "entretien"), index.search("entretien").more) == (40, True)
    index.update(delete_ids=["comment:0"])
    assert (total(index, "entretien"), index.search("entretien").more) == (40, False)
    assert total(index, "entretien", with_hidden=True) == 40 and index.search("entretien", with_hidden=True).more
    index.close()


def test_a_prefix_stands_for_its_most_frequent_completions(tmp_path, monkeypatch):
    monkeypatch.setattr("search_index.index.MAX_EXPANSIONS", 2)
    index = SearchIndex(tmp_path / "prefix")
    index.create()
    index.update(comments(3, "formation") + [{**c, "id": f"{c['id']}b"} for c in comments(2, "formateur")]
                 + [{"id": "rare", "kind": "comment", "title": "Forum", "body": "Un formulaire."},
                    {"id": "other", "kind": "comment", "title": "Forum", "body": "Une forme."}])
    found = index.search("form*")  # formation (3) and formateur (2), not formulaire nor forme (1 each)
    assert found.total == 5 and {"rare", "other"}.isdisjoint(h.id for h in found.hits)
    assert all("<mark>formation</mark>" in h.excerpt or "<mark>formateur</mark>" in h.excerpt for h in found.hits)
    index.close()


@pytest.mark.parametrize("query, key", [
    ("", "search.empty"), ("   ", "search.empty"), ("a" * 201, "search.too_long"),
    ("a*", "search.short_wildcard"), ("*a*", "search.short_wildcard"), ("*", "search.empty"), ('""', "search.empty"),
    ("-vae", "search.only_exclusions"), (" ".join(f"mot{n}" for n in range(13)), "search.too_many_terms"),
])
def test_hostile_or_empty_queries_get_a_message_key(query, key):
    with pytest.raises(QueryError) as raised:
        parse(query)
    assert raised.value.key == key


@pytest.mark.parametrize("query", [
    "title:vae", "[a TO z]", "vae^10", "vae~2", "(vae OR cpf)", "NOT vae", "body:*", '"', '"""', "vae AND",
    "\x00", "‮vae", "é" * 150, "jury* recev* form*",
])
def test_syntax_is_plain_words_and_answers(index, query):
    try:
        found = index.search(query)
    except QueryError as refused:
        assert refused.key.startswith("search.")
    else:
        assert found.total == len(found.hits) <= 3


def test_only_stop_words_get_a_message(index):
    with pytest.raises(QueryError) as raised:
        index.search("les des du")
    assert raised.value.key == "search.only_stop_words"


def test_a_query_out_of_time_returns_what_it_found_and_says_more(tmp_path, monkeypatch):
    index = SearchIndex(tmp_path / "slow")
    index.create()
    index.update(comments(600))
    monkeypatch.setattr("search_index.index.TIME_BUDGET", -1.0)  # the budget is spent before it starts
    found = index.search("entretien")
    assert found.more and 0 < found.total < 600 and found.hits == []
    index.close()


def test_a_build_process_that_dies_fails_the_build(tmp_path, monkeypatch):
    original = FoldFilter.__call__

    def dies_on_a_word(self, tokens):
        for token in original(self, tokens):
            if token.text == "fatal":
                os._exit(1)  # in the build process: Whoosh's commit does not notice
            yield token

    monkeypatch.setattr(FoldFilter, "__call__", dies_on_a_word)
    index = SearchIndex(tmp_path / "broken")
    index.create()
    with pytest.raises(IncompleteBuild):
        index.build(comments(300) + comments(1, "fatal"))


def test_a_missing_index_is_said_so(tmp_path):
    with pytest.raises(MissingIndex):
        SearchIndex(tmp_path / "nothing").search("jury")


def test_an_index_of_an_earlier_version_is_refused(tmp_path):
    whoosh_index.create_in(str(tmp_path), Schema(id=ID(unique=True, stored=True), title=TEXT, body=TEXT))
    with pytest.raises(OutdatedIndex):
        SearchIndex(tmp_path).search("jury")
