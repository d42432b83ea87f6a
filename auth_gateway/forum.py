"""The forum: free topics in categories, the archive of deleted pages' discussions, and
the moderation log."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from auth_gateway.context import services
from auth_gateway.i18n import format_datetime, translate
from auth_gateway.live import shell_page
from auth_gateway.models import Member
from auth_gateway.permissions import Permission, require
from auth_gateway.search import similar
from auth_gateway.threads import DraftState, publish_comment, thread_location, topic_page
from discussions import services as discussions
from discussions.errors import DiscussionError
from discussions.models import ModerationAction, Thread
from discussions.rendering import render_markdown

bp = Blueprint("forum", __name__, url_prefix="/-/forum")

TOPICS_PER_PAGE = 20
LOG_ENTRIES = 200


def _names(ids):
    if not ids:
        return {}
    with services().database.session() as reader:
        return dict(reader.execute(select(Member.id, Member.display_name).where(Member.id.in_(ids))).all())


@bp.get("")
def topics():
    """List topics by latest activity; filter by category and 'sans réponse'."""
    community = services().community
    category = request.args.get("categorie") or None
    if category is not None and category not in community.categories:
        abort(404)
    unanswered = request.args.get("sans-reponse") == "1"
    page = max(request.args.get("page", 1, type=int), 1)
    with services().database.session() as reader:
        found, total = discussions.list_topics(reader, category=category, unanswered=unanswered, page=page,
                                               per_page=TOPICS_PER_PAGE)
    pages = max(1, -(-total // TOPICS_PER_PAGE))
    if page > pages:
        abort(404)
    authors = _names({t.author_id for t in found})
    timezone = current_app.config["TIMEZONE"]
    rows = [(t, authors.get(t.author_id, "?"), format_datetime(t.last_activity_at, timezone)) for t in found]

    def link(**changes):
        params = {"categorie": category, "sans-reponse": "1" if unanswered else None, **changes}
        return url_for("forum.topics", **{k: v for k, v in params.items() if v})

    links = {"all": link(categorie=None), "every": link(**{"sans-reponse": None}),
             "unanswered": link(**{"sans-reponse": "1"}),
             "categories": {slug: link(categorie=slug) for slug in community.categories},
             "previous": link(page=page - 1) if page > 1 else None,
             "next": link(page=page + 1) if page < pages else None}
    content_html = render_template("forum/list.html", rows=rows, categories=community.categories, links=links,
                                   category=category, unanswered=unanswered, page=page, pages=pages)
    return shell_page(translate("forum.title"), content_html)


@bp.route("/nouveau", methods=["GET", "POST"])
@require(Permission.TOPIC_CREATE)
def new_topic():
    """Open a topic; its preview also shows the sheets and discussions closest to its
    title (the answer may already be there). The text comes back on any error."""
    categories = services().community.categories
    form = {"title": request.form.get("title", ""), "category": request.form.get("category", ""),
            "body": request.form.get("body", "")}
    draft = DraftState(body=form["body"])
    status = 200
    suggestions = []
    if request.method == "POST":
        if request.form.get("action") == "preview":
            draft.preview = Markup(render_markdown(form["body"]))
            suggestions = [(hit, Markup(hit.excerpt)) for hit in similar(form["title"])]
        else:
            try:
                with services().database.write() as writer:
                    thread = discussions.create_topic(writer, author_id=current_user.id, title=form["title"],
                                                      category=form["category"], body=form["body"],
                                                      categories=categories)
                    location = thread_location(thread)
                return redirect(location, 303)
            except DiscussionError as error:
                draft.errors.append(translate(f"discussion_error.{error.key}", **error.values))
                status = error.status
    content_html = render_template("forum/new.html", form=form, draft=draft, categories=categories,
                                   suggestions=suggestions)
    return shell_page(translate("forum.new_topic"), content_html, status)


@bp.route("/<int:thread_id>", methods=["GET", "POST"])
def topic(thread_id):
    """Read a topic and its replies; take the replies posted to it."""
    if request.method == "POST":
        return publish_comment(thread_id=thread_id)
    return topic_page(thread_id)


@bp.get("/archives")
def archives():
    """List the discussions of pages deleted from the knowledge base."""
    timezone = current_app.config["TIMEZONE"]
    with services().database.session() as reader:
        rows = [(t, format_datetime(t.last_activity_at, timezone)) for t in discussions.archived_threads(reader)]
        content_html = render_template("forum/archives.html", rows=rows)
    return shell_page(translate("archive.title"), content_html)


@bp.get("/moderation")
@require(Permission.MODERATION_LOG_READ)
def moderation_log():
    """Show the latest moderation actions: who, when, what, why."""
    timezone = current_app.config["TIMEZONE"]
    with services().database.session() as reader:
        actions = reader.scalars(select(ModerationAction).order_by(ModerationAction.id.desc()).limit(LOG_ENTRIES)).all()
        threads = {t.id: t for t in reader.scalars(select(Thread).where(Thread.id.in_({a.thread_id for a in actions})))}
        names = _names({a.actor_id for a in actions})
        rows = [(format_datetime(a.at, timezone), names.get(a.actor_id, "?"), a,
                 thread_location(threads[a.thread_id], a.comment_id)) for a in actions]
        content_html = render_template("forum/moderation.html", rows=rows)
    return shell_page(translate("moderation.title"), content_html)
