"""The query language members may use, and nothing more: plain words, "phrases",
-exclusions and a trailing * after at least 3 letters. No field targeting, no ranges,
no match-all: they are slow or leak on a large Whoosh index (a* took 4.4 s, *a* 44 s)."""

import re
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
MIN_PREFIX = 3

_PIECE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
# Anything that is not part of a word is a separator: "titre:vae" is two words.
_SEPARATORS = re.compile(r"[^\w*'-]+")


class QueryError(ValueError):
    """The query is not allowed; ``key`` (and ``values``) make the member's message."""

    def __init__(self, key, **values):
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass
class ParsedQuery:
    """What must match (include) and what must not (exclude): ("word"|"phrase"|"prefix", text)."""

    include: list = field(default_factory=list)
    exclude: list = field(default_factory=list)


def _words(text):
    for word in _SEPARATORS.split(text):
        word = word.strip("'-")
        if not word or word == "*":
            continue
        if "*" in word[:-1] or (word.endswith("*") and len(word.rstrip("*")) < MIN_PREFIX):
            raise QueryError("search.short_wildcard", minimum=MIN_PREFIX)
        yield ("prefix", word[:-1]) if word.endswith("*") else ("word", word)


def parse(text):
    """Parse a member's query.

    :raises QueryError: empty, too long, too many terms, a short or inner wildcard, or
        nothing but exclusions.
    """
    text = (text or "").strip()
    if not text:
        raise QueryError("search.empty")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError("search.too_long", maximum=MAX_QUERY_LENGTH)
    parsed = ParsedQuery()
    for match in _PIECE.finditer(text):
        negative = bool(match.group(1) or match.group(3))
        target = parsed.exclude if negative else parsed.include
        if match.group(2) is not None:
            phrase = " ".join(_SEPARATORS.sub(" ", match.group(2).replace("*", " ")).split())
            if phrase:
                target.append(("phrase", phrase))
        else:
            target.extend(_words(match.group(4)))
    if len(parsed.include) + len(parsed.exclude) > MAX_TERMS:
        raise QueryError("search.too_many_terms", maximum=MAX_TERMS)
    if not parsed.include:
        raise QueryError("search.only_exclusions" if parsed.exclude else "search.empty")
    return parsed
