"""French analysis for the index: words, lowercase, accents folded (and œ, æ) BEFORE the
Snowball stemmer, French stop words. Importable module: Whoosh pickles the analyzer
into the index's schema."""

import unicodedata

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def fold(text):
    """Return ``text`` without accents or ligatures ("Évolution œuvre" -> "Evolution oeuvre")."""
    if text.isascii():  # most words: nothing to fold
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class FoldFilter(Filter):
    """Fold accents and ligatures of each token, so that stemming sees the same letters
    whether people typed them or not."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


#: French stop words, folded like the tokens they are compared with (Snowball's list, plus
#: the elided and plural forms it lacks: "l'", "d'", "les", "des"...).
STOP_WORDS = frozenset(fold(word) for word in stopwords_for_language("fr")) | {
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "les", "des", "aux", "du", "un", "une"}


def french_analyzer():
    """Return the analyzer of every text field: words -> lowercase -> folded -> stop words -> stems."""
    return (RegexTokenizer(r"\w+") | LowercaseFilter() | FoldFilter()
            | StopFilter(stoplist=STOP_WORDS, minsize=1) | StemFilter(lang="fr", cachesize=50_000))


#: Joins the two terms of a pair (never inside a term: terms are \w+).
PAIR = "-"


class PairsFilter(Filter):
    """After each term, also emit it joined to the previous one ("compte personnel de
    formation" -> compt, personnel, compt-personnel, format, personnel-format): a phrase
    is then a few plain terms to intersect, not positions to compare."""

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            word = token.text
            yield token
            if previous is not None:
                token.text = f"{previous}{PAIR}{word}"
                yield token
            previous = word


def indexed_analyzer():
    """Return the analyzer of the searched fields: :func:`french_analyzer`'s terms and their pairs."""
    return french_analyzer() | PairsFilter()


def pairs(text):
    """Return the pairs of terms of ``text`` (what a "phrase" must match)."""
    words = terms(text)
    return [f"{a}{PAIR}{b}" for a, b in zip(words, words[1:])]


def terms(text):
    """Return the index terms of ``text`` (what a query word must match)."""
    return [token.text for token in french_analyzer()(text)]
