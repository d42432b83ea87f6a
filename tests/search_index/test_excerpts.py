"""Excerpts of results and the pairs of terms phrases are matched on."""

from search_index.analysis import indexed_analyzer, pairs
from search_index.excerpts import WIDTH, excerpt


def test_phrases_are_pairs_of_adjacent_terms_stop_words_left_out():
    assert pairs("compte personnel de formation") == ["compt-personnel", "personnel-format"]
    assert pairs("Comptes personnels de formations") == pairs("compte personnel de formation")
    assert pairs("formation") == []
    indexed = [token.text for token in indexed_analyzer()("le compte personnel")]
    assert indexed == ["compt", "personnel", "compt-personnel"]


def test_matching_words_are_marked_whatever_their_form():
    assert excerpt("Les formations du CPF", {"format"}) == "Les <mark>formations</mark> du CPF"
    assert excerpt("Une Évolution", {"evolu"}) == "Une <mark>Évolution</mark>"


def test_the_text_is_escaped_around_the_marks():
    assert excerpt("<b>jury</b> & co", {"jury"}) == "&lt;b&gt;<mark>jury</mark>&lt;/b&gt; &amp; co"
    assert "<script" not in excerpt("<script>alert(1)</script> jury", {"jury"})


def test_the_passage_with_the_most_matches_is_shown_without_cutting_words():
    text = "Introduction sans rapport. " * 30 + "Le jury valide, le jury conseille, le jury décide." + " Fin." * 60
    shown = excerpt(text, {"jury"})
    assert shown.startswith("… ") and shown.endswith(" …") and shown.count("<mark>jury</mark>") == 3
    plain = shown.replace("<mark>", "").replace("</mark>", "").strip("… ")
    assert len(plain) <= WIDTH and plain in text and plain.split()[0] in {"Introduction", "sans", "rapport.", "Le"}


def test_without_a_match_the_start_of_the_text_is_shown():
    assert excerpt("Un texte court.", {"jury"}) == "Un texte court."
    assert excerpt("mot " * 100, {"jury"}).endswith(" …")
