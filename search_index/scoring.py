"""BM25F as Whoosh scores it, with the documents' field lengths read from memory.

Whoosh's scorer reads a document's field length from the segment's file for every
document it scores: a third of a common word's query time (``bench/search.py``). A
segment never changes once written, so its lengths are read once per process, kept by
segment and field (a few hundred KB for 100,000 documents), and scoring reads a list."""

import threading
from array import array
from collections import OrderedDict

from whoosh.scoring import BM25F, BM25FScorer

#: Lengths kept for this many (segment, field) pairs; older ones are dropped (merged segments).
KEPT = 64

_lengths = OrderedDict()
_lock = threading.Lock()


class MemoryBM25F(BM25F):
    """:class:`whoosh.scoring.BM25F`, its scorers reading field lengths from memory."""

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf)
        reader = searcher.reader()
        if isinstance(scorer, BM25FScorer) and reader.is_atomic():
            scorer.dfl = field_lengths(reader, fieldname).__getitem__
        return scorer


def field_lengths(reader, fieldname):
    """Return the lengths of ``fieldname`` in every document of the segment of ``reader``."""
    key = (reader.segment().segment_id(), fieldname)
    with _lock:
        if key in _lengths:
            _lengths.move_to_end(key)
            return _lengths[key]
    lengths = array("l", (reader.doc_field_length(docnum, fieldname, 1) or 0
                          for docnum in range(reader.doc_count_all())))
    with _lock:
        _lengths[key] = lengths
        while len(_lengths) > KEPT:
            _lengths.popitem(last=False)
    return lengths
