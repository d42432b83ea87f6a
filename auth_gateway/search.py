"""The search page: sheets (by section) and discussions together, in French."""

import logging
import re

from flask import Blueprint, make_response, render_template, request
from flask_login import current_user
from markupsafe import Markup

from auth_gateway import indexing
from auth_gateway.context import services
from auth_gateway.i18n import translate
from auth_gateway.live import shell_page
from auth_gateway.permissions import Permission, can, require
from search_index.index import MAX_TOTAL, Found, MissingIndex
from search_index.query import QueryError

bp = Blueprint("search", __name__, url_prefix="/-")

#: The filters of the results page: URL value -> kinds of records.
FILTERS = {"": ("section", "comment", "topic"), "fiches": ("section",), "discussions": ("comment", "topic")}
PER_PAGE = 10
#: Words of a new topic's title used to find similar items.
MAX_SIMILAR_WORDS = 10
_WORDS = re.compile(r"\w+")

logger = logging.getLogger(__name__)


def search_records(text, kinds, page=1, per_page=PER_PAGE, any_word=False):
    """Search as the current member: animators also find hidden comments.

    :raises IndexRebuilding: the index is missing or unreadable; it is being rebuilt.
    """
    with_hidden = can(current_user, Permission.COMMENT_HIDE)
    return _search(text, kinds=kinds, page=page, per_page=per_page, any_word=any_word, with_hidden=with_hidden)


def _search(text, **options):
    """Search the instance's index. A missing or unreadable one is rebuilt by the indexing
    thread (it takes minutes on a large community): meanwhile searches get a message, the
    rest of the site serves as usual."""
    live_index = services().live_index
    try:
        return live_index.current().search(text, **options)
    except QueryError:
        raise
    except MissingIndex:
        pass
    except Exception:  # an unreadable index: the database and the build are the truth
        logger.exception("search index unreadable: rebuilding it")
        live_index.close()
    services().indexer.rebuild_soon()
    raise indexing.IndexRebuilding()


def similar(text, limit=5):
    """Return the sheets and discussions closest to ``text`` (a new topic's title), or [].

    Its words only: a title's "quotes", -dashes or stars are not query syntax."""
    words = " ".join(_WORDS.findall(text)[:MAX_SIMILAR_WORDS])
    try:
        return search_records(words, FILTERS[""], per_page=limit, any_word=True).hits if words else []
    except (QueryError, indexing.IndexRebuilding):
        return []


def _pages(found):
    return max(1, -(-found.total // PER_PAGE))


@bp.get("/recherche")
@require(Permission.SEARCH)
def results():
    """Show the results of the header's search box, with filters and pages."""
    text = request.args.get("q", "")
    kind = request.args.get("type", "")
    kinds = FILTERS.get(kind, FILTERS[""])
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_TOTAL // PER_PAGE)
    found, error, status = Found([], 0), None, 200
    try:
        if text.strip():
            found = search_records(text, kinds, page)
            if page > _pages(found):  # past the last page (an old link): show the last one
                page = _pages(found)
                found = search_records(text, kinds, page)
    except QueryError as problem:
        error, status = translate(problem.key, **problem.values), 400
    except indexing.IndexRebuilding:
        error, status = translate("search.rebuilding"), 503
    pages = _pages(found)
    content_html = render_template("search.html", text=text, kind=kind, found=found, page=page, pages=pages,
                                   error=error, excerpts=[Markup(h.excerpt) for h in found.hits])
    response = make_response(shell_page(translate("search.title"), content_html, status))
    if status == 503:
        response.headers["Retry-After"] = "60"
    return response
