"""The excerpt of a result: the passage of its text where the searched words are
densest, escaped as HTML, each matching word in a <mark>.

Words are compared by their index terms (folded, stemmed), so "formations" is marked
for "formation". A word's term is cached: a result's text is read once, not analyzed
again by Whoosh's highlighter (which cost about 1 ms per hit)."""

import functools
import html
import re

from search_index.analysis import french_analyzer

#: Characters of an excerpt (about two lines of a results page).
WIDTH = 220
#: Characters shown before the first marked word of the passage.
LEAD = 50

_WORD = re.compile(r"\w+")
_analyzer = french_analyzer()


@functools.lru_cache(maxsize=200_000)
def _term(word):
    """Return the index term of one word, or None (a stop word)."""
    return next((token.text for token in _analyzer(word)), None)


def excerpt(text, wanted, width=WIDTH):
    """Return the passage of ``text`` (``width`` characters) with the most words whose
    term is in ``wanted``, as HTML with those words marked; the start of the text when
    none matches."""
    words = list(_WORD.finditer(text))
    matches = [word for word in words if _term(word.group()) in wanted]
    start = _densest(matches, width) if matches else 0
    start = _word_start(text, words, start)
    end = min(len(text), start + width)
    end = next((w.end() for w in words if w.start() < end <= w.end()), end)
    parts, position = [], start
    for word in matches:
        if word.start() < start or word.end() > end:
            continue
        parts.append(html.escape(text[position:word.start()], quote=False))
        parts.append(f"<mark>{html.escape(word.group(), quote=False)}</mark>")
        position = word.end()
    parts.append(html.escape(text[position:end], quote=False))
    return ("… " if start > 0 else "") + "".join(parts).strip() + (" …" if end < len(text) else "")


def _densest(matches, width):
    """Return where the passage starts that holds the most matches within ``width``."""
    best, best_count, first = 0, 0, 0
    for last, word in enumerate(matches):
        while word.end() - matches[first].start() > width - LEAD:
            first += 1
        if last - first + 1 > best_count:
            best, best_count = matches[first].start(), last - first + 1
    return max(0, best - LEAD)


def _word_start(text, words, position):
    """Move ``position`` forward to the start of a word (never cut one in half)."""
    if position == 0:
        return 0
    return next((w.start() for w in words if w.start() >= position), position)
