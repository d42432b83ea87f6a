"""The Whoosh index of sheets (by section) and discussions, and how it is searched.

A plain library: it knows records (dicts), not the gateway nor discussions. The index is
never the source of truth: it can always be rebuilt from the content repo and the
database. Measured traps of whoosh-reloaded 2.7.5 avoided here: writers use
``compound=False`` (a compound segment costs ~80 ms at every searcher opening);
``Searcher.refresh()`` returns stale documents, so a searcher is reopened instead when
the index changed.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.collectors import TimeLimit, TimeLimitCollector, TopCollector
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, get_text
from whoosh.query import And, Not, Or, Phrase, Prefix, Term

from search_index.analysis import fold, french_analyzer
from search_index.query import QueryError, parse

#: Kinds of records: a section of a sheet, a comment, a topic (its title and question).
KINDS = ("section", "comment", "topic")
#: Seconds a query may take before it is cut (whatever was found by then is returned).
TIME_BUDGET = 0.5


def schema():
    """Return the index's schema (analysis classes are importable: the schema is pickled)."""
    analyzer = french_analyzer()
    return Schema(
        id=ID(unique=True, stored=True),          # "section:fiches/vae.md#etapes", "comment:12"
        kind=ID(stored=True),                      # one of KINDS
        page=ID(stored=True),                      # source path of the page, or "" (topics)
        thread=ID(stored=True),                    # thread id of comments and topics, or ""
        hidden=ID(stored=True),                    # "yes": hidden by an animator (found by animators only)
        title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
        body=TEXT(analyzer=analyzer, stored=True),
        url=STORED(),                              # where the result leads (with its anchor)
        author=STORED(),                           # display name, for discussions
        date=STORED(),                             # ISO date, for discussions
    )


class MarkFormatter(HtmlFormatter):
    """Excerpts as escaped HTML with each match in a plain <mark>."""

    def format_token(self, text, token, replace=False):
        return f"<mark>{self._text(get_text(text, token, replace))}</mark>"


@dataclass(frozen=True)
class Hit:
    """One result: what it is, where it leads, and an excerpt with the matches marked."""

    id: str
    kind: str
    title: str
    url: str
    excerpt: str
    author: str
    date: str
    hidden: bool = False


class SearchIndex:
    """An index in a folder: one writer at a time (Whoosh's lock, waited for), searchers
    reopened when the index changed."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._searcher = None

    def exists(self):
        return whoosh_index.exists_in(str(self.folder))

    def create(self):
        """Create an empty index (replacing any)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        whoosh_index.create_in(str(self.folder), schema())
        self._close_searcher()

    def _index(self):
        return whoosh_index.open_dir(str(self.folder))

    def update(self, records=(), delete_ids=(), delete_pages=()):
        """Add or replace ``records``, delete ids and every record of ``delete_pages``; one commit."""
        writer = self._index().writer(timeout=10.0, compound=False)
        try:
            for page in delete_pages:
                writer.delete_by_term("page", page)
            for record_id in delete_ids:
                writer.delete_by_term("id", record_id)
            for record in records:
                writer.update_document(**_fields(record))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def close(self):
        """Release the open searcher (its files)."""
        with self._lock:
            self._close_searcher()

    def _close_searcher(self):
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def searcher(self):
        """Return a searcher over the latest commit (reopened when the index changed)."""
        with self._lock:
            if self._searcher is None or not self._searcher.up_to_date():
                self._close_searcher()
                self._searcher = self._index().searcher()
            return self._searcher

    def search(self, text, *, kinds=KINDS, page=1, per_page=10, any_word=False, with_hidden=False):
        """Return (hits of this page, total) for the member's query ``text``; with
        ``any_word``, a record matching any of the words counts (similar items); hidden
        records only ``with_hidden`` (animators).

        :raises QueryError: when the query is not allowed (French message for the member).
        """
        query = build_query(parse(text), kinds, any_word=any_word)
        if not with_hidden:
            query = And([query, Not(Term("hidden", "yes"))])
        searcher = self.searcher()
        # A timer thread, not SIGALRM: searches run in worker threads too. Exact totals:
        # no block skipping (it made the count wrong once a Not clause was present).
        top = TopCollector(limit=page * per_page, usequality=False)
        collector = TimeLimitCollector(top, timelimit=TIME_BUDGET, use_alarm=False)
        try:
            searcher.search_with_collector(query, collector)
        except TimeLimit:
            pass
        results = collector.results()
        results.fragmenter = ContextFragmenter(maxchars=160, surround=60)
        results.formatter = MarkFormatter(between=" … ")
        hits = []
        for hit in results[(page - 1) * per_page:page * per_page]:
            excerpt = hit.highlights("body", top=2) or _escape(hit["body"][:200])
            hits.append(Hit(hit["id"], hit["kind"], hit["title"], hit.get("url", ""), excerpt,
                            hit.get("author", ""), hit.get("date", ""), hit.get("hidden") == "yes"))
        return hits, len(results)


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fields(record):
    return {name: str(record.get(name) or "") for name in
            ("id", "kind", "page", "thread", "hidden", "title", "body", "url", "author", "date")}


def build_query(parsed, kinds, any_word=False):
    """Turn a parsed query into Whoosh's query objects over title and body, within ``kinds``."""
    analyzer = french_analyzer()

    def field_terms(text):
        return [token.text for token in analyzer(text)]

    def clause(item):
        kind, text = item
        if kind == "prefix":
            stem = fold(text.casefold())
            return Or([Prefix("title", stem), Prefix("body", stem)])
        words = field_terms(text)
        if not words:
            return None
        if kind == "phrase" and len(words) > 1:
            return Or([Phrase("title", words), Phrase("body", words)])
        return (Or if any_word else And)([Or([Term("title", w), Term("body", w)]) for w in words])

    required = [c for c in map(clause, parsed.include) if c is not None]
    if not required:
        raise QueryError("search.only_stop_words")
    excluded = [c for c in map(clause, parsed.exclude) if c is not None]
    wanted = [Or(required)] if any_word else required
    return And(wanted + [Or([Term("kind", k) for k in kinds])] + [Not(c) for c in excluded])
