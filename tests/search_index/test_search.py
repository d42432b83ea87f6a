"""The search library on a temporary index, without Flask."""

import time

import pytest

from search_index.analysis import terms
from search_index.index import SearchIndex
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


def test_search_finds_sheets_and_comments_with_highlighted_excerpts(index):
    hits, total = index.search("jury")
    assert total == 2 and {h.kind for h in hits} == {"section", "comment"}
    assert all("<mark>jury</mark>" in h.excerpt for h in hits)
    comment = next(h for h in hits if h.kind == "comment")
    assert comment.author == "Sophie Lefèvre" and comment.url == "/fiches/vae/#c1"


def test_filters_phrases_exclusions_and_prefixes(index):
    assert index.search("jury", kinds=("section",))[1] == 1
    assert index.search('"compte personnel"')[1] == 1
    assert index.search('"personnel compte"')[1] == 0
    assert index.search("jury -répéter")[1] == 1
    assert index.search("recev*")[1] == 1
    assert index.search("formations")[0][0].id == "section:fiches/cpf.md#situation"


def test_updates_and_deletions_are_seen_by_the_next_search(index):
    assert index.search("jury")[1] == 2
    index.update(delete_ids=["comment:1"])
    assert index.search("jury")[1] == 1
    index.update([{"id": "comment:2", "kind": "comment", "title": "VAE", "body": "Un jury bienveillant"}])
    assert index.search("bienveillant")[1] == 1
    index.update(delete_pages=["fiches/vae.md"])
    assert index.search("recevabilité")[1] == 0 and index.search("bienveillant")[1] == 1


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
def test_syntax_is_plain_words_and_answers_fast(index, query):
    started = time.perf_counter()
    try:
        index.search(query)
    except QueryError:
        pass
    assert time.perf_counter() - started < 2.0  # bounded; the real budget is TIME_BUDGET per query


def test_only_stop_words_get_a_message(index):
    with pytest.raises(QueryError) as raised:
        index.search("les des du")
    assert raised.value.key == "search.only_stop_words"
