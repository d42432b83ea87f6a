"""Discussions in the gateway: each page's thread rendered into its marker, and the
forms members and animators post (comment, reply, edit, delete, react, moderate)."""

import html
from dataclasses import dataclass, field
from functools import lru_cache

from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from auth_gateway import content, markers
from auth_gateway.builder import page_url
from auth_gateway.context import services
from auth_gateway.i18n import format_datetime, translate
from auth_gateway.live import (CSRF_SESSION_KEY, html_response, live_build, member_header,
                               page_for_source, read, shell_page)
from auth_gateway.models import Member
from auth_gateway.permissions import Permission, can, require
from discussions import services as discussions
from discussions.errors import DiscussionError
from discussions.models import Comment, ReactionKind, Thread, ThreadKind
from discussions.rendering import render_markdown

bp = Blueprint("threads", __name__, url_prefix="/-/discussions")

#: Top-level comments per page of a thread (a 200-comment thread stays light).
COMMENTS_PER_PAGE = 50
#: Bound on the rendered threads kept per process.
THREAD_CACHE_SIZE = 2048

_THREAD_STATE = select(Thread.id, Thread.version, Thread.visible_count).where(
    Thread.page_path == bindparam("path"))


@dataclass
class DraftState:
    """What a member was writing when the page comes back to her (preview or error)."""

    body: str = ""
    parent_id: int | None = None
    errors: list = field(default_factory=list)
    preview: Markup | None = None


@dataclass
class CommentView:
    """One comment as the current viewer sees it."""

    comment: Comment
    author: tuple
    when: str
    replies: list = field(default_factory=list)
    reactions: dict = field(default_factory=dict)
    mine: set = field(default_factory=set)
    page_changed: bool = False


def _viewer_key():
    return (current_user.id, current_user.role, session.get(CSRF_SESSION_KEY))


def _authors(ids):
    if not ids:
        return {}
    with services().database.session() as reader:
        rows = reader.execute(select(Member.id, Member.display_name, Member.structure, Member.region)
                              .where(Member.id.in_(ids)))
        return {row[0]: tuple(row[1:]) for row in rows}


@lru_cache(maxsize=4096)
def _page_changed(content_dir, page_path, since, until):
    return content.page_changed(content_dir, page_path, since, until)


def _load_thread(reader, thread_id):
    return reader.scalar(select(Thread).where(Thread.id == thread_id).options(
        selectinload(Thread.comments).selectinload(Comment.reactions)))


def _comment_views(thread, live_commit):
    moderator = can(current_user, Permission.COMMENT_HIDE)
    shown = discussions.visible_comments(thread, viewer_id=current_user.id, moderator=moderator)
    authors = _authors({c.author_id for c in shown})
    timezone = current_app.config["TIMEZONE"]
    content_dir = str(services().paths.content_dir)
    views, by_id = [], {}
    for comment in shown:
        view = CommentView(comment, authors.get(comment.author_id, ("?", "", "")),
                           format_datetime(comment.created_at, timezone))
        for reaction in comment.reactions:
            view.reactions[reaction.kind] = view.reactions.get(reaction.kind, 0) + 1
            if reaction.member_id == current_user.id:
                view.mine.add(reaction.kind)
        if thread.page_path and comment.page_commit and live_commit and comment.visible:
            view.page_changed = _page_changed(content_dir, thread.page_path, comment.page_commit, live_commit)
        by_id[comment.id] = view
        if comment.parent_id is None or comment.parent_id not in by_id:
            views.append(view)
        else:
            by_id[comment.parent_id].replies.append(view)
    return views


def render_section(*, thread=None, page_path=None, live_commit=None, draft=None, page=1):
    """Render the discussion part of a page or topic for the current member."""
    views = _comment_views(thread, live_commit) if thread is not None else []
    pages = max(1, -(-len(views) // COMMENTS_PER_PAGE))
    page = min(max(page, 1), pages)
    return render_template(
        "parts/thread.html", thread=thread, page_path=page_path, draft=draft or DraftState(),
        comments=views[(page - 1) * COMMENTS_PER_PAGE:page * COMMENTS_PER_PAGE], page=page, pages=pages,
        can_post=can(current_user, Permission.COMMENT_POST), can_react=can(current_user, Permission.COMMENT_REACT),
        can_hide=can(current_user, Permission.COMMENT_HIDE), can_lock=can(current_user, Permission.THREAD_LOCK),
        can_mark=can(current_user, Permission.ANSWER_MARK), reaction_kinds=list(ReactionKind), blank=DraftState(),
    )


def inject(body, build, draft=None):
    """Put the page's discussion and comment count into a built page (bytes)."""
    match = markers.THREAD.search(body)
    if match is None:
        return body
    page_path = html.unescape(match.group(1).decode())
    state = services().database.fetch_one(_THREAD_STATE, path=page_path)
    page = request.args.get("discussion", 1, type=int)
    key = (page_path, state, build.commit, page, *_viewer_key())
    cache = services().threads
    rendered = cache.get(key) if draft is None else None
    if rendered is None:
        with services().database.session() as reader:
            thread = _load_thread(reader, state[0]) if state else None
            section = render_section(thread=thread, page_path=page_path, live_commit=build.commit,
                                     draft=draft, page=page)
        badge = render_template("parts/count.html", count=state[2] if state else 0)
        rendered = (section.encode(), badge.encode())
        if draft is None:
            if len(cache) >= THREAD_CACHE_SIZE:
                cache.clear()
            cache[key] = rendered
    body = body.replace(match.group(0), rendered[0], 1)
    return body.replace(markers.COUNT % match.group(1), rendered[1], 1)


def render_page(filename, build, *, draft=None, status=200):
    """Return a built page with the member's header and the page's discussion put in."""
    body = read(filename).replace(markers.HEADER, member_header(), 1)
    return html_response(inject(body, build, draft), status)


def serve_page(page_path, *, draft=None, status=200):
    """Render the page whose source is ``page_path`` (404 when it is not in the live build)."""
    build = live_build()
    filename = page_for_source(build, page_path) if build else None
    if filename is None:
        abort(404)
    return render_page(filename, build, draft=draft, status=status)


def topic_page(thread_id, *, draft=None, status=200):
    """Render a topic (or an archived page's discussion) in the site's look."""
    with services().database.session() as reader:
        thread = _load_thread(reader, thread_id)
        if thread is None:
            abort(404)
        if thread.kind == ThreadKind.PAGE and not thread.archived:
            return redirect(thread_location(thread), 301)
        section = render_section(thread=thread, draft=draft, page=request.args.get("discussion", 1, type=int))
        title = thread.title
        category = current_app.extensions["entrepairs"].community.categories.get(thread.category or "")
        content_html = render_template("parts/topic.html", thread=thread, category=category, section=Markup(section))
    return shell_page(title, content_html, status)


# --------------------------------------------------------------------------- actions


def _page_of(thread, comment_id):
    """Return the page of the discussion where the current member sees ``comment_id``."""
    if not current_user.is_authenticated:
        return 1
    shown = discussions.visible_comments(thread, viewer_id=current_user.id,
                                         moderator=can(current_user, Permission.COMMENT_HIDE))
    by_id = {c.id: c for c in shown}
    if comment_id not in by_id:
        return 1
    root = by_id[comment_id].parent_id or comment_id
    roots = [c.id for c in shown if c.parent_id is None or c.parent_id not in by_id]
    return roots.index(root) // COMMENTS_PER_PAGE + 1 if root in roots else 1


def thread_location(thread, comment_id=None):
    """Return the URL where ``thread`` is read (its page, or its topic page), at the
    discussion page holding ``comment_id`` if given."""
    anchor = f"#commentaire-{comment_id}" if comment_id else "#discussion"
    page = _page_of(thread, comment_id) if comment_id else 1
    query = f"?discussion={page}" if page > 1 else ""
    if thread.kind == ThreadKind.PAGE and not thread.archived:
        return page_url(thread.page_path) + query + anchor
    return f"/-/forum/{thread.id}{query}{anchor}"


def _visible_to_viewer(comment):
    if comment.hidden_at is not None and comment.author_id != current_user.id \
            and not can(current_user, Permission.COMMENT_HIDE):
        abort(404)
    return comment


def _error_page(error):
    content_html = render_template("parts/message.html", title=translate("form.errors_heading"),
                                   text=translate(f"discussion_error.{error.key}", **error.values),
                                   back=request.referrer if _same_site(request.referrer) else "/")
    return shell_page(translate("form.errors_heading"), content_html, error.status)


def _same_site(url):
    return bool(url) and url.startswith(current_app.config["PUBLIC_URL"].rstrip("/") + "/")


def _change(operation, location_of):
    """Run ``operation(writer)`` in a write transaction; redirect where ``location_of`` says."""
    try:
        with services().database.write() as writer:
            result = operation(writer)
            location = location_of(writer, result)
    except DiscussionError as error:
        return _error_page(error)
    return redirect(location, 303)


def publish_comment(*, page_path=None, thread_id=None):
    """Publish (or preview) a comment or reply posted to a page or a topic, at its own URL.

    Posting to the page's URL keeps the page's relative links right when it comes back
    with the member's text (preview or errors).
    """
    if not can(current_user, Permission.COMMENT_POST):
        abort(403)
    build = live_build()
    form = request.form
    parent_id = form.get("parent", type=int)
    draft = DraftState(body=form.get("body", ""), parent_id=parent_id)
    if form.get("action") == "preview":
        draft.preview = Markup(render_markdown(draft.body))
        return _redisplay(page_path, thread_id, draft, 200)
    try:
        with services().database.write() as writer:
            comment = discussions.post_comment(
                writer, author_id=current_user.id, body=draft.body, page_path=page_path,
                thread_id=None if page_path else thread_id, parent_id=parent_id,
                page_commit=build.commit if page_path else None)
            location = thread_location(comment.thread, comment.id)
    except DiscussionError as error:
        if error.status == 404:
            abort(404)
        draft.errors.append(translate(f"discussion_error.{error.key}", **error.values))
        return _redisplay(page_path, thread_id, draft, error.status)
    return redirect(location, 303)


def _redisplay(page_path, thread_id, draft, status):
    """Show the page or topic again with the member's text, its preview or errors."""
    if page_path is not None:
        return serve_page(page_path, draft=draft, status=status)
    return topic_page(thread_id, draft=draft, status=status)


@bp.route("/commentaires/<int:comment_id>/modifier", methods=["GET", "POST"])
@require(Permission.COMMENT_POST)
def edit(comment_id):
    """Edit one's own comment (its former text goes into its history)."""
    with services().database.session() as reader:
        comment = _visible_to_viewer(reader.get(Comment, comment_id) or abort(404))
        if comment.author_id != current_user.id or comment.deleted_at is not None:
            abort(403)
        location = thread_location(comment.thread, comment.id)
        body = comment.body
    draft = DraftState(body=body)
    status = 200
    if request.method == "POST":
        draft.body = request.form.get("body", "")
        if request.form.get("action") == "preview":
            draft.preview = Markup(render_markdown(draft.body))
        else:
            try:
                with services().database.write() as writer:
                    discussions.edit_comment(writer, comment_id=comment_id, editor_id=current_user.id,
                                             body=draft.body)
                return redirect(location, 303)
            except DiscussionError as error:
                draft.errors.append(translate(f"discussion_error.{error.key}", **error.values))
                status = error.status
    content_html = render_template("parts/edit.html", comment_id=comment_id, draft=draft, back=location)
    return shell_page(translate("edit.title"), content_html, status)


@bp.get("/commentaires/<int:comment_id>/versions")
@require(Permission.COMMENT_POST)
def history(comment_id):
    """Show the former texts of a comment (to its author and animators)."""
    with services().database.session() as reader:
        comment = reader.get(Comment, comment_id) or abort(404)
        if comment.author_id != current_user.id and not can(current_user, Permission.COMMENT_HIDE):
            abort(404)
        versions = [(format_datetime(r.replaced_at, current_app.config["TIMEZONE"]), Markup(render_markdown(r.body)))
                    for r in discussions.revisions(reader, comment_id) if r.body]
        back = thread_location(comment.thread, comment.id)
    content_html = render_template("parts/history.html", versions=versions, back=back)
    return shell_page(translate("comment.history"), content_html)


@bp.get("/commentaires/<int:comment_id>/modifications")
@require(Permission.COMMENT_POST)
def page_changes(comment_id):
    """Show how the page changed since the comment was written (a diff of its source)."""
    build = live_build()
    with services().database.session() as reader:
        comment = _visible_to_viewer(reader.get(Comment, comment_id) or abort(404))
        thread = comment.thread
        if thread.page_path is None or comment.page_commit is None or build is None:
            abort(404)
        since, page_path, back = comment.page_commit, thread.page_path, thread_location(thread, comment.id)
    diff = content.page_diff(services().paths.content_dir, page_path, since, build.commit)
    content_html = render_template("parts/diff.html", page_path=page_path, since=since[:10], until=build.commit[:10],
                                   lines=diff.splitlines()[4:] if diff else [], back=back)
    return shell_page(translate("diff.title"), content_html)


def _act_on_comment(comment_id, act):
    """Run ``act(writer)`` on a comment in one write transaction, then go back to it."""
    def operation(writer):
        act(writer)
        return writer.get(Comment, comment_id)

    return _change(operation, lambda w, c: thread_location(c.thread, c.id))


@bp.post("/commentaires/<int:comment_id>/supprimer")
@require(Permission.COMMENT_POST)
def delete(comment_id):
    """Delete one's own comment."""
    return _act_on_comment(comment_id, lambda w: discussions.delete_comment(
        w, comment_id=comment_id, member_id=current_user.id))


@bp.post("/commentaires/<int:comment_id>/reagir")
@require(Permission.COMMENT_REACT)
def react(comment_id):
    """Say 'Utile' or 'Merci' of a comment."""
    kind = request.form.get("kind", "")
    if kind not in set(ReactionKind):
        abort(400)

    def act(writer):
        _visible_to_viewer(discussions.get_comment(writer, comment_id))
        discussions.react(writer, comment_id=comment_id, member_id=current_user.id, kind=kind)

    return _act_on_comment(comment_id, act)


@bp.post("/commentaires/<int:comment_id>/masquer")
@require(Permission.COMMENT_HIDE)
def hide(comment_id):
    """Hide a comment, with a reason."""
    return _act_on_comment(comment_id, lambda w: discussions.hide_comment(
        w, comment_id=comment_id, moderator_id=current_user.id, reason=request.form.get("reason", "")))


@bp.post("/commentaires/<int:comment_id>/afficher")
@require(Permission.COMMENT_HIDE)
def unhide(comment_id):
    """Show a hidden comment again."""
    return _act_on_comment(comment_id, lambda w: discussions.unhide_comment(
        w, comment_id=comment_id, moderator_id=current_user.id, reason=request.form.get("reason", "")))


@bp.post("/commentaires/<int:comment_id>/retenir")
@require(Permission.ANSWER_MARK)
def mark_answer(comment_id):
    """Retain a reply as the thread's answer."""
    return _act_on_comment(comment_id, lambda w: discussions.mark_answer(
        w, comment_id=comment_id, moderator_id=current_user.id))


@bp.post("/fils/<int:thread_id>/verrouiller")
@require(Permission.THREAD_LOCK)
def lock(thread_id):
    """Lock or unlock a thread."""
    locked = request.form.get("locked") == "1"
    return _change(lambda w: discussions.lock_thread(w, thread_id=thread_id, moderator_id=current_user.id,
                                                     locked=locked, reason=request.form.get("reason", "")),
                   lambda w, _: thread_location(discussions.get_thread(w, thread_id)))
