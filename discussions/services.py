"""What members and animators can do with discussions.

Every function takes the SQLAlchemy session of the caller's transaction (a write
transaction for changes) and ids of members; it enforces the domain's rules (who may
edit, what can be replied to, limits) and raises :class:`DiscussionError` otherwise.
Who may moderate is the caller's decision (the gateway's permissions).
"""

from sqlalchemy import func, select, update

from discussions.errors import DiscussionError
from discussions.models import (Comment, CommentRevision, ModerationAction, ModerationKind, Reaction,
                                ReactionKind, Thread, ThreadKind, utcnow)
from discussions.rendering import POLICY_VERSION, render_markdown

MAX_BODY_LENGTH = 20_000
MAX_TITLE_LENGTH = 200
MAX_REASON_LENGTH = 1_000


def _clean_body(body):
    body = body.replace("\x00", "").strip()
    if not body:
        raise DiscussionError("empty_body")
    if len(body) > MAX_BODY_LENGTH:
        raise DiscussionError("long_body", maximum=MAX_BODY_LENGTH, length=len(body))
    return body


def _clean_reason(reason):
    reason = " ".join((reason or "").split())
    if not reason:
        raise DiscussionError("reason_required")
    return reason[:MAX_REASON_LENGTH]


def _render(comment):
    comment.html = render_markdown(comment.body)
    comment.policy_version = POLICY_VERSION


def page_thread(session, page_path):
    """Return the thread of the page at ``page_path``, or None if nobody wrote there yet."""
    return session.scalar(select(Thread).where(Thread.page_path == page_path))


def _get(session, model, object_id):
    found = session.get(model, object_id)
    if found is None:
        raise DiscussionError("not_found", status=404)
    return found


def get_thread(session, thread_id):
    """Return the thread ``thread_id``; :raises DiscussionError: (404) when there is none."""
    return _get(session, Thread, thread_id)


def get_comment(session, comment_id):
    """Return the comment ``comment_id``; :raises DiscussionError: (404) when there is none."""
    return _get(session, Comment, comment_id)


def _open_thread(session, page_path):
    thread = page_thread(session, page_path)
    if thread is None:
        thread = Thread(kind=ThreadKind.PAGE, page_path=page_path, visible_count=0, version=0)
        session.add(thread)
        session.flush()
    return thread


def post_comment(session, *, author_id, body, page_path=None, thread_id=None, parent_id=None, page_commit=None):
    """Add a comment to the page ``page_path`` (its thread is created on the first one) or
    to the thread ``thread_id``; a reply when ``parent_id`` is given.

    :raises DiscussionError: empty or too long body, locked or archived thread, parent
        hidden, deleted or in another thread.
    """
    body = _clean_body(body)
    thread = _open_thread(session, page_path) if page_path is not None else get_thread(session, thread_id)
    if page_path is None and thread.kind == ThreadKind.PAGE and not thread.archived:
        raise DiscussionError("not_found", status=404)  # a page's thread is written to through its page
    if thread.locked:
        raise DiscussionError("locked", status=409)
    if thread.archived:
        raise DiscussionError("archived", status=409)
    if parent_id is not None:
        parent = get_comment(session, parent_id)
        if parent.thread_id != thread.id:
            raise DiscussionError("not_found", status=404)
        if not parent.visible:
            raise DiscussionError("reply_to_invisible", status=409)
        parent_id = parent.parent_id or parent.id  # replies stay one level deep
    comment = Comment(thread_id=thread.id, parent_id=parent_id, author_id=author_id, body=body,
                      page_commit=page_commit, created_at=utcnow())
    _render(comment)
    session.add(comment)
    thread.visible_count += 1
    thread.last_activity_at = comment.created_at
    thread.touch()
    session.flush()
    return comment


def create_topic(session, *, author_id, title, category, body, categories):
    """Open a free topic in ``category`` (one of ``categories``) with its first message."""
    title = " ".join((title or "").split())
    if not title:
        raise DiscussionError("empty_title")
    if len(title) > MAX_TITLE_LENGTH:
        raise DiscussionError("long_title", maximum=MAX_TITLE_LENGTH)
    if category not in categories:
        raise DiscussionError("unknown_category")
    body = _clean_body(body)
    thread = Thread(kind=ThreadKind.TOPIC, title=title, category=category, author_id=author_id,
                    visible_count=0, version=0)
    session.add(thread)
    session.flush()
    post_comment(session, author_id=author_id, body=body, thread_id=thread.id)
    return thread


def _own_comment(session, comment_id, member_id):
    comment = get_comment(session, comment_id)
    if comment.author_id != member_id:
        raise DiscussionError("not_author", status=403)
    if comment.deleted_at is not None:
        raise DiscussionError("deleted", status=409)
    return comment


def edit_comment(session, *, comment_id, editor_id, body):
    """Replace the text of the editor's own comment, keeping the former text in its history."""
    body = _clean_body(body)
    comment = _own_comment(session, comment_id, editor_id)
    if body == comment.body:
        return comment
    session.add(CommentRevision(comment_id=comment.id, body=comment.body, replaced_at=utcnow()))
    comment.body = body
    comment.edited_at = utcnow()
    _render(comment)
    comment.thread.touch()
    return comment


def revisions(session, comment_id):
    """Return the former texts of a comment, oldest first."""
    return session.scalars(select(CommentRevision).where(CommentRevision.comment_id == comment_id)
                           .order_by(CommentRevision.id)).all()


def delete_comment(session, *, comment_id, member_id):
    """Delete the member's own comment: its text goes, a placeholder stays where replies hang."""
    comment = _own_comment(session, comment_id, member_id)
    if comment.visible:
        comment.thread.visible_count -= 1
    comment.deleted_at = utcnow()
    comment.body = comment.html = ""
    session.execute(update(CommentRevision).where(CommentRevision.comment_id == comment.id).values(body=""))
    if comment.thread.answer_id == comment.id:
        comment.thread.answer_id = None
    comment.thread.touch()
    return comment


def react(session, *, comment_id, member_id, kind):
    """Say 'Utile' or 'Merci' of a visible comment, once per kind."""
    kind = ReactionKind(kind)
    comment = get_comment(session, comment_id)
    if not comment.visible:
        raise DiscussionError("react_to_invisible", status=409)
    exists = session.scalar(select(Reaction.id).where(Reaction.comment_id == comment_id,
                                                      Reaction.member_id == member_id, Reaction.kind == kind))
    if exists is not None:
        raise DiscussionError("reaction_twice", status=409)
    session.add(Reaction(comment_id=comment_id, member_id=member_id, kind=kind))
    comment.thread.touch()


def _log(session, actor_id, kind, thread, comment=None, reason=""):
    session.add(ModerationAction(actor_id=actor_id, kind=kind, thread_id=thread.id,
                                 comment_id=comment.id if comment else None, reason=reason, at=utcnow()))


def hide_comment(session, *, comment_id, moderator_id, reason):
    """Hide a comment from everyone but its author and animators, with a reason (logged)."""
    reason = _clean_reason(reason)
    comment = get_comment(session, comment_id)
    if comment.deleted_at is not None or comment.hidden_at is not None:
        raise DiscussionError("already_hidden", status=409)
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = utcnow(), moderator_id, reason
    comment.thread.visible_count -= 1
    if comment.thread.answer_id == comment.id:
        comment.thread.answer_id = None
    comment.thread.touch()
    _log(session, moderator_id, ModerationKind.HIDE, comment.thread, comment, reason)


def unhide_comment(session, *, comment_id, moderator_id, reason=""):
    """Show a hidden comment again (logged)."""
    comment = get_comment(session, comment_id)
    if comment.hidden_at is None:
        raise DiscussionError("not_hidden", status=409)
    comment.hidden_at = comment.hidden_by = comment.hidden_reason = None
    if comment.deleted_at is None:
        comment.thread.visible_count += 1
    comment.thread.touch()
    _log(session, moderator_id, ModerationKind.UNHIDE, comment.thread, comment, " ".join((reason or "").split()))


def lock_thread(session, *, thread_id, moderator_id, locked, reason=""):
    """Lock (no new comment) or unlock a thread (logged)."""
    thread = get_thread(session, thread_id)
    reason = _clean_reason(reason) if locked else " ".join((reason or "").split())
    thread.locked = locked
    thread.touch()
    _log(session, moderator_id, ModerationKind.LOCK if locked else ModerationKind.UNLOCK, thread, reason=reason)


def mark_answer(session, *, comment_id, moderator_id):
    """Retain a visible reply as the thread's answer, which resolves it (logged)."""
    comment = get_comment(session, comment_id)
    thread = comment.thread
    if not comment.visible:
        raise DiscussionError("answer_invisible", status=409)
    if thread.kind == ThreadKind.TOPIC and thread.comments and thread.comments[0].id == comment.id:
        raise DiscussionError("answer_is_question", status=409)
    thread.answer_id = comment.id
    thread.touch()
    _log(session, moderator_id, ModerationKind.MARK_ANSWER, thread, comment)


def visible_comments(thread, *, viewer_id, moderator):
    """Return the comments of ``thread`` the viewer may see, in order.

    Hidden comments: only their author and moderators. Deleted comments: kept as
    placeholders only where visible replies hang under them.
    """
    shown = [c for c in thread.comments if c.hidden_at is None or moderator or c.author_id == viewer_id]
    parents_with_replies = {c.parent_id for c in shown if c.parent_id is not None and c.deleted_at is None}
    return [c for c in shown if c.deleted_at is None or c.id in parents_with_replies]


def list_topics(session, *, category=None, unanswered=False, page=1, per_page=20):
    """Return (topics of this page, total) by latest activity; ``unanswered``: no reply yet."""
    query = select(Thread).where(Thread.kind == ThreadKind.TOPIC)
    if category:
        query = query.where(Thread.category == category)
    if unanswered:
        query = query.where(Thread.visible_count <= 1)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    topics = session.scalars(query.order_by(Thread.last_activity_at.desc(), Thread.id.desc())
                             .offset((page - 1) * per_page).limit(per_page)).all()
    return topics, total


def archived_threads(session):
    """Return the threads of deleted pages, most recent activity first."""
    return session.scalars(select(Thread).where(Thread.archived.is_(True))
                           .order_by(Thread.last_activity_at.desc())).all()


def move_page(session, old_path, new_path):
    """Make the thread of a renamed or moved page follow it."""
    thread = page_thread(session, old_path)
    if thread is None:
        return None
    if page_thread(session, new_path) is not None:  # a page already discussed took that path
        archive_page(session, new_path)
        session.flush()
    thread.page_path = new_path
    thread.archived = False
    thread.touch()
    return thread


def archive_page(session, page_path):
    """Archive the thread of a deleted page: it stays readable, closed to new comments."""
    thread = page_thread(session, page_path)
    if thread is not None:
        thread.archived = True
        thread.page_path = None
        thread.title = thread.title or page_path
        thread.touch()
    return thread


def rerender_outdated(session):
    """Render again the comments stored under an older sanitising policy; return how many."""
    outdated = session.scalars(select(Comment).where(Comment.policy_version != POLICY_VERSION,
                                                     Comment.deleted_at.is_(None))).all()
    for comment in outdated:
        _render(comment)
        comment.thread.touch()
    return len(outdated)
