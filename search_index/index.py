"""The Whoosh index of sheets (by section) and discussions, and how it is searched.

A plain library: it knows records (dicts), not the gateway nor discussions. The index is
never the source of truth: it can always be rebuilt from the content repo and the
database. Measured traps of whoosh-reloaded 2.7.5 avoided here: writers use
``compound=False`` (a compound segment costs ~80 ms at every searcher opening);
``Searcher.refresh()`` returns stale documents, so a searcher is reopened instead when
the index changed.

What keeps a query fast on ~100,000 records (measured by ``bench/search.py``): the
top hits are found with Whoosh's block-quality skipping, so most matching documents
are never scored; what the member may see (kinds, hidden records) is a set of
document numbers checked as hits come, not a clause of the query; totals are counted
exactly up to :data:`MAX_TOTAL` only; a word with ``*`` stands for its
:data:`MAX_EXPANSIONS` most frequent completions; scoring reads document lengths from
memory (:mod:`search_index.scoring`).
"""

import heapq
import itertools
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.collectors import TopCollector
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.query import And, AndNot, NullQuery, Or, Term

from search_index.analysis import PAIR, fold, french_analyzer, indexed_analyzer, pairs
from search_index.excerpts import excerpt
from search_index.query import QueryError, parse
from search_index.scoring import MemoryBM25F

#: Kinds of records: a section of a sheet, a comment, a topic (its title and question).
KINDS = ("section", "comment", "topic")
#: Fields a query's words are looked for in.
SEARCHED = ("heading", "body")
#: Seconds a query may spend finding its hits (whatever was found by then is returned).
TIME_BUDGET = 0.5
#: Results counted exactly; beyond, the member reads "more than 1,000 results".
MAX_TOTAL = 1000
#: Completions a word ending with * stands for: the most frequent ones in the index.
MAX_EXPANSIONS = 30
#: Processes (and segments) of a full build: the machine has 2 cores.
BUILD_PROCESSES = 2
#: Memory (MB) each build process sorts postings in before spilling them to disk. Measured
#: on 100,000 comments: 1024 -> 91 s, 1.1 GB per process; 512 -> 132 s, 0.8 GB (spills are
#: slow on this machine's disk).
BUILD_MEMORY_MB = 1024


def schema():
    """Return the index's schema (analysis classes are importable: the schema is pickled)."""
    return Schema(
        id=ID(unique=True, stored=True),           # "section:fiches/vae.md#etapes", "comment:12"
        kind=ID(stored=True),                       # one of KINDS
        page=ID(stored=True),                       # source path of the page, or "" (discussions)
        thread=ID(stored=True),                     # thread id of comments and topics, or ""
        hidden=ID(stored=True),                     # "yes": hidden by an animator (found by animators only)
        # The searched fields hold terms and pairs of terms (phrases), no positions. The
        # heading is a section's ("Sheet — Section") or a topic's title; a comment has none:
        # it is found by what it says, not by the title of the page it is under.
        heading=TEXT(analyzer=indexed_analyzer(), field_boost=2.0, phrase=False),
        body=TEXT(analyzer=indexed_analyzer(), stored=True, phrase=False),
        title=STORED(),                             # shown: the section, topic, or the comment's page
        url=STORED(),                               # where the result leads (with its anchor)
        author=STORED(),                            # display name, for discussions
        date=STORED(),                              # ISO date, for discussions
    )


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


@dataclass(frozen=True)
class Found:
    """A page of hits and how many results there are (``more``: over :data:`MAX_TOTAL`)."""

    hits: list
    total: int
    more: bool = False


class IncompleteBuild(Exception):
    """A full build lost records: the index must not be used."""


class MissingIndex(Exception):
    """There is no index in the folder: build one."""


class OutdatedIndex(Exception):
    """The index was built by an earlier version (other fields): rebuild it."""


class _VisibleTop(TopCollector):
    """The best hits among the documents the member may see, within a time budget.

    ``allow`` (documents that may be shown) or ``restrict`` (documents that may not) are
    sets of document numbers; hits are checked as they come, so block-quality skipping
    still works (a filter clause in the query defeats it)."""

    def __init__(self, limit, allow, restrict, deadline):
        super().__init__(limit=limit)
        self.allow, self.restrict, self.deadline = allow, restrict, deadline

    def collect_matches(self):
        allow, restrict, offset = self.allow, self.restrict, self.offset
        for seen, sub_docnum in enumerate(self.matches()):
            if seen % 256 == 0 and time.monotonic() > self.deadline:
                return  # out of time: the hits found so far (next segments stop at once too)
            docnum = offset + sub_docnum
            if (allow is not None and docnum not in allow) or (restrict is not None and docnum in restrict):
                continue
            self.collect(sub_docnum)


class SearchIndex:
    """An index in a folder: one writer at a time (Whoosh's lock, waited for), searchers
    reopened when the index changed."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._searcher = None
        self._visible = {}  # (kinds, with_hidden) -> (allow, restrict) for the open searcher

    def exists(self):
        return whoosh_index.exists_in(str(self.folder))

    def create(self):
        """Create an empty index (replacing any)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        whoosh_index.create_in(str(self.folder), schema())
        self.close()

    def _index(self):
        return whoosh_index.open_dir(str(self.folder))

    def build(self, records):
        """Fill a new, empty index with ``records``: one commit, one segment per build process.

        :raises IncompleteBuild: a build process died (Whoosh's commit does not say so).
        """
        writer = self._index().writer(procs=BUILD_PROCESSES, multisegment=True, limitmb=BUILD_MEMORY_MB,
                                      compound=False)
        count = 0
        try:
            for record in records:
                writer.add_document(**_fields(record))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        with self._index().searcher() as searcher:
            if searcher.doc_count() != count:
                raise IncompleteBuild(f"{searcher.doc_count()} of {count} records indexed")

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
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self._visible.clear()

    def searcher(self):
        """Return a searcher over the latest commit (reopened when the index changed).

        :raises MissingIndex: there is no index (yet).
        :raises OutdatedIndex: the index has the fields of an earlier version.
        """
        with self._lock:
            if self._searcher is None or not self._searcher.up_to_date():
                if self._searcher is not None:
                    self._searcher.close()
                elif not self.exists():
                    raise MissingIndex(f"no index in {self.folder}")
                self._searcher = self._index().searcher(weighting=MemoryBM25F())
                self._visible = {}
                if self._searcher.schema.names() != schema().names():
                    self._searcher.close()
                    self._searcher = None
                    raise OutdatedIndex(f"{self.folder} was built with another schema")
            return self._searcher

    def _visibility(self, searcher, kinds, with_hidden):
        """Return (allow, restrict): the smaller of the two sets that say which documents
        of ``searcher`` are of ``kinds`` and may be seen (hidden ones only ``with_hidden``)."""
        key = (frozenset(kinds), with_hidden)
        with self._lock:
            cached = self._visible.get(key) if searcher is self._searcher else None
        if cached is not None:
            return cached

        def docs(field, values):
            return set(itertools.chain.from_iterable(searcher.docs_for_query(Term(field, v)) for v in values))

        hidden = set() if with_hidden else docs("hidden", ["yes"])
        others = [k for k in KINDS if k not in kinds]
        size = {k: searcher.doc_frequency("kind", k) for k in KINDS}
        if sum(size[k] for k in others) <= sum(size[k] for k in kinds):
            visibility = (None, (docs("kind", others) | hidden) or None)
        else:
            visibility = (docs("kind", kinds) - hidden, None)
        with self._lock:
            if searcher is self._searcher:
                self._visible[key] = visibility
        return visibility

    def search(self, text, *, kinds=KINDS, page=1, per_page=10, any_word=False, with_hidden=False):
        """Return the :class:`Found` page ``page`` for the member's query ``text``; with
        ``any_word``, a record matching any of the words counts (similar items); hidden
        records only ``with_hidden`` (animators).

        :raises QueryError: when the query is not allowed (French message for the member).
        """
        searcher = self.searcher()
        query, marked = build_query(parse(text), searcher.reader(), any_word=any_word)
        allow, restrict = self._visibility(searcher, kinds, with_hidden)
        deadline = time.monotonic() + TIME_BUDGET
        collector = _VisibleTop(page * per_page, allow, restrict, deadline)
        searcher.search_with_collector(query, collector)
        hits = []
        for hit in collector.results()[(page - 1) * per_page:page * per_page]:
            hits.append(Hit(hit["id"], hit["kind"], hit["title"], hit.get("url", ""), excerpt(hit["body"], marked),
                            hit.get("author", ""), hit.get("date", ""), hit.get("hidden") == "yes"))
        if collector.total > MAX_TOTAL:  # it scored more visible documents than are counted
            total, complete = collector.total, True
        else:  # it may have skipped some: count them
            counted, complete = _count(searcher, query, allow, restrict, MAX_TOTAL + 1, deadline)
            total = max(counted, collector.total)
        return Found(hits, min(total, MAX_TOTAL), total > MAX_TOTAL or not complete)


def _count(searcher, query, allow, restrict, limit, deadline):
    """Count the visible documents matching ``query``, unscored (``docs_for_query`` would
    list every match of an intersection first); return (count, complete): it stops at
    ``limit``, and, incomplete, once past ``deadline``."""
    count, seen = 0, 0
    for subsearcher, offset in searcher.leaf_searchers():
        matcher = query.matcher(subsearcher, subsearcher.boolean_context())
        while count < limit and matcher.is_active():
            seen += 1
            if seen % 256 == 0 and time.monotonic() > deadline:
                return count, False
            docnum = offset + matcher.id()
            if (allow is None or docnum in allow) and (restrict is None or docnum not in restrict):
                count += 1
            matcher.next()
    return count, True


def _fields(record):
    fields = {name: str(record.get(name) or "") for name in
              ("id", "kind", "page", "thread", "hidden", "title", "body", "url", "author", "date")}
    fields["heading"] = "" if fields["kind"] == "comment" else fields["title"]
    return fields


def _expansions(reader, prefix):
    """Return the :data:`MAX_EXPANSIONS` most frequent indexed words starting with ``prefix``."""
    words = {}
    for field in SEARCHED:
        for word in _words_from(reader, field, prefix.encode()):
            words[word.decode()] = words.get(word.decode(), 0) + reader.doc_frequency(field, word)
    return heapq.nlargest(MAX_EXPANSIONS, words, key=words.get)


_PAIR = PAIR.encode()
_AFTER_PAIRS = bytes([_PAIR[0] + 1])  # the first byte sorting after every "word-..." pair


def _words_from(reader, field, prefix):
    """Yield the words (not the pairs) of ``field`` that start with ``prefix``; the pairs of
    a word sort right after it, and are jumped over at once (``con*`` has thousands)."""
    start = prefix
    while start is not None:
        jump = None
        for _, term in reader.terms_from(field, start):
            if not term.startswith(prefix):
                return
            cut = term.find(_PAIR)
            if cut >= 0:
                jump = term[:cut] + _AFTER_PAIRS
                break
            yield term
        start = jump


def build_query(parsed, reader, any_word=False):
    """Turn a parsed query into Whoosh's query over ``reader``'s index; return it with the
    terms an excerpt marks (those of the included words, phrases and completions)."""
    analyzer = french_analyzer()
    marked = set()

    def anywhere(word):
        return Or([Term(field, word) for field in SEARCHED])

    def clause(item, include):
        kind, text = item
        if kind == "prefix":
            words = _expansions(reader, fold(text.casefold()))
        else:
            words = [token.text for token in analyzer(text)]
        if include:
            marked.update(words)
        if not words:
            return NullQuery if kind == "prefix" else None
        if kind == "phrase" and len(words) > 1:
            return Or([And([Term(field, pair) for pair in pairs(text)]) for field in SEARCHED])
        return (Or if any_word or kind == "prefix" else And)([anywhere(word) for word in words])

    required = [c for c in (clause(item, True) for item in parsed.include) if c is not None]
    if not required:
        raise QueryError("search.only_stop_words")
    excluded = [c for c in (clause(item, False) for item in parsed.exclude) if c not in (None, NullQuery)]
    query = Or(required) if any_word else And(required)
    return (AndNot(query, Or(excluded)) if excluded else query), marked
