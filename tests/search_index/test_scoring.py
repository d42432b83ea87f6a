"""Scores with lengths read from memory are Whoosh's BM25F scores."""

from whoosh.scoring import BM25F

from search_index import scoring
from search_index.index import SearchIndex, build_query
from search_index.query import parse


def test_memory_lengths_score_exactly_like_whoosh_across_segments_and_deletions(tmp_path, monkeypatch):
    monkeypatch.setattr(scoring, "KEPT", 2)  # lengths of older segments dropped and read again
    index = SearchIndex(tmp_path / "index")
    index.create()
    for batch in range(3):  # one segment per commit
        index.update([{"id": f"comment:{batch}-{n}", "kind": "comment", "title": "Forum",
                       "body": "Un entretien " + "très " * n + "long" + " entretien" * (n % 3)} for n in range(20)]
                     + [{"id": f"section:{batch}", "kind": "section", "title": "L'entretien", "body": "Court."}])
    index.update(delete_ids=["comment:1-4"])
    query, _ = build_query(parse("entretien"), index.searcher().reader())
    for _ in range(2):  # the second time from the kept lengths
        with index._index().searcher(weighting=BM25F()) as whoosh_searcher:
            expected = [(hit["id"], round(hit.score, 9)) for hit in whoosh_searcher.search(query, limit=None)]
        found = [(hit["id"], round(hit.score, 9)) for hit in index.searcher().search(query, limit=None)]
        assert found == expected and len(found) == 62 and len(scoring._lengths) == 2
    index.close()
