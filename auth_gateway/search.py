"""The search page: sheets (by section) and discussions together, in French."""

import logging

from flask import Blueprint, render_template, request
from flask_login import current_user
from markupsafe import Markup

from auth_gateway import indexing
from auth_gateway.context import services
from auth_gateway.i18n import translate
from auth_gateway.live import live_build, shell_page
from auth_gateway.permissions import Permission, can, require
from search_index.query import QueryError

bp = Blueprint("search", __name__, url_prefix="/-")

#: The filters of the results page: URL value -> kinds of records.
FILTERS = {"": ("section", "comment", "topic"), "fiches": ("section",), "discussions": ("comment", "topic")}
PER_PAGE = 10
#: Words of a new topic's title used to find similar items.
MAX_SIMILAR_WORDS = 10

logger = logging.getLogger(__name__)


def _rebuild():
    build = live_build()
    indexing.rebuild(services().paths, services().database, build.root if build else None)


def search_records(text, kinds, page=1, per_page=PER_PAGE, any_word=False):
    """Search as the current member: animators also find hidden comments."""
    with_hidden = can(current_user, Permission.COMMENT_HIDE)
    return _search(text, kinds=kinds, page=page, per_page=per_page, any_word=any_word, with_hidden=with_hidden)


def _search(text, **options):
    """Search the instance's index; a missing or unreadable index is rebuilt first (the
    site goes on serving meanwhile: only this search waits)."""
    index = indexing.index_of(services().paths)
    try:
        if not index.exists():
            _rebuild()
        return index.search(text, **options)
    except QueryError:
        raise
    except Exception:  # a corrupt index: the database and the build are the truth
        logger.exception("search index unreadable: rebuilding it")
        index.close()
        _rebuild()
        return index.search(text, **options)
    finally:
        index.close()


def similar(text, limit=5):
    """Return the sheets and discussions closest to ``text`` (a new topic's title), or []."""
    words = " ".join(text.split()[:MAX_SIMILAR_WORDS])
    try:
        return search_records(words, FILTERS[""], per_page=limit, any_word=True)[0] if words else []
    except QueryError:
        return []


@bp.get("/recherche")
@require(Permission.SEARCH)
def results():
    """Show the results of the header's search box, with filters and pages."""
    text = request.args.get("q", "")
    kind = request.args.get("type", "")
    kinds = FILTERS.get(kind, FILTERS[""])
    page = max(request.args.get("page", 1, type=int), 1)
    hits, total, error = [], 0, None
    if text.strip():
        try:
            hits, total = search_records(text, kinds, page)
        except QueryError as problem:
            error = translate(problem.key, **problem.values)
    pages = max(1, -(-total // PER_PAGE))
    content_html = render_template("search.html", text=text, kind=kind, hits=hits, total=total, page=page,
                                   pages=pages, error=error, excerpts=[Markup(h.excerpt) for h in hits])
    return shell_page(translate("search.title"), content_html, 400 if error else 200)
