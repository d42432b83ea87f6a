"""Unit tests of discussions.services, without Flask."""

import pytest
from sqlalchemy import select

from discussions import services
from discussions.errors import DiscussionError
from discussions.models import Comment, ModerationAction, ReactionKind, Thread
from discussions.rendering import POLICY_VERSION

ALICE, BOB, ANIMATOR = 1, 2, 3
PAGE = "fiches/vae.md"
CATEGORIES = {"pratique": "Questions de pratique"}


def post(session, body="Bonjour", **kwargs):
    kwargs.setdefault("page_path", PAGE) if "thread_id" not in kwargs else None
    return services.post_comment(session, author_id=kwargs.pop("author_id", ALICE), body=body, **kwargs)


def refused(key, function, *args, **kwargs):
    with pytest.raises(DiscussionError) as raised:
        function(*args, **kwargs)
    assert raised.value.key == key
    return raised.value


def test_the_first_comment_opens_the_page_thread_and_remembers_the_commit(session):
    comment = post(session, "Ma **pratique**", page_commit="a" * 40)
    thread = services.page_thread(session, PAGE)
    assert thread.visible_count == 1 and comment.thread_id == thread.id
    assert "<strong>pratique</strong>" in comment.html and comment.policy_version == POLICY_VERSION
    assert comment.page_commit == "a" * 40
    assert post(session, "Deuxième").thread_id == thread.id


def test_replies_stay_one_level_deep(session):
    root = post(session)
    reply = post(session, "Réponse", parent_id=root.id, author_id=BOB)
    reply_to_reply = post(session, "Encore", parent_id=reply.id)
    assert reply.parent_id == root.id and reply_to_reply.parent_id == root.id


@pytest.mark.parametrize("body, key", [("", "empty_body"), ("   \n\t ", "empty_body"), ("x" * 20_001, "long_body"),
                                       ("\x00\x00", "empty_body")])
def test_body_limits(session, body, key):
    refused(key, post, session, body)
    assert session.scalar(select(Comment)) is None


def test_edit_keeps_history_and_only_the_author_may(session):
    comment = post(session, "Première version")
    refused("not_author", services.edit_comment, session, comment_id=comment.id, editor_id=BOB, body="Piraté")
    services.edit_comment(session, comment_id=comment.id, editor_id=ALICE, body="Seconde version")
    assert comment.body == "Seconde version" and comment.edited_at is not None and "Seconde" in comment.html
    assert [r.body for r in services.revisions(session, comment.id)] == ["Première version"]


def test_deletion_leaves_a_placeholder_only_where_replies_hang(session):
    lonely = post(session, "Seul")
    root = post(session, "Racine")
    post(session, "Réponse", parent_id=root.id, author_id=BOB)
    refused("not_author", services.delete_comment, session, comment_id=root.id, member_id=BOB)
    services.delete_comment(session, comment_id=lonely.id, member_id=ALICE)
    services.delete_comment(session, comment_id=root.id, member_id=ALICE)
    thread = services.page_thread(session, PAGE)
    shown = services.visible_comments(thread, viewer_id=BOB, moderator=False)
    assert [c.id for c in shown] == [root.id, root.id + 1]
    assert root.body == "" and root.html == "" and thread.visible_count == 1
    refused("reply_to_invisible", post, session, "Réponse", parent_id=root.id)
    refused("deleted", services.edit_comment, session, comment_id=root.id, editor_id=ALICE, body="Retour")


def test_one_reaction_of_each_kind_per_member(session):
    comment = post(session)
    services.react(session, comment_id=comment.id, member_id=BOB, kind=ReactionKind.USEFUL)
    services.react(session, comment_id=comment.id, member_id=BOB, kind="thanks")
    refused("reaction_twice", services.react, session, comment_id=comment.id, member_id=BOB, kind="useful")
    session.flush()
    session.refresh(comment)
    assert sorted((r.member_id, r.kind) for r in comment.reactions) == [(BOB, "thanks"), (BOB, "useful")]


def test_hidden_comments_are_seen_by_their_author_and_moderators_only_and_logged(session):
    comment = post(session, "Propos limite")
    refused("reason_required", services.hide_comment, session, comment_id=comment.id, moderator_id=ANIMATOR,
            reason="  ")
    services.hide_comment(session, comment_id=comment.id, moderator_id=ANIMATOR, reason="Hors charte")
    thread = services.page_thread(session, PAGE)
    assert thread.visible_count == 0
    assert services.visible_comments(thread, viewer_id=BOB, moderator=False) == []
    assert services.visible_comments(thread, viewer_id=ALICE, moderator=False) == [comment]
    assert services.visible_comments(thread, viewer_id=ANIMATOR, moderator=True) == [comment]
    refused("react_to_invisible", services.react, session, comment_id=comment.id, member_id=BOB, kind="useful")
    refused("reply_to_invisible", post, session, "Réponse", parent_id=comment.id)
    services.unhide_comment(session, comment_id=comment.id, moderator_id=ANIMATOR)
    assert thread.visible_count == 1
    session.flush()
    log = session.scalars(select(ModerationAction).order_by(ModerationAction.id)).all()
    assert [(a.kind, a.actor_id, a.reason) for a in log] == [("hide", ANIMATOR, "Hors charte"), ("unhide", ANIMATOR, "")]


def test_locked_and_archived_threads_refuse_comments(session):
    post(session)
    thread = services.page_thread(session, PAGE)
    services.lock_thread(session, thread_id=thread.id, moderator_id=ANIMATOR, locked=True, reason="Débat clos")
    error = refused("locked", post, session, "Encore un mot")
    assert error.status == 409
    services.lock_thread(session, thread_id=thread.id, moderator_id=ANIMATOR, locked=False)
    post(session, "Rouvert")
    services.archive_page(session, PAGE)
    refused("archived", post, session, "Après suppression", thread_id=thread.id)
    assert thread.archived and thread.title == PAGE and services.page_thread(session, PAGE) is None


def test_a_retained_answer_resolves_the_thread(session):
    topic = services.create_topic(session, author_id=ALICE, title="Comment financer un bilan ?",
                                  category="pratique", body="Question", categories=CATEGORIES)
    question = topic.comments[0]
    answer = post(session, "Avec le CPF", thread_id=topic.id, author_id=BOB)
    refused("answer_is_question", services.mark_answer, session, comment_id=question.id, moderator_id=ANIMATOR)
    services.mark_answer(session, comment_id=answer.id, moderator_id=ANIMATOR)
    assert topic.answer_id == answer.id


def test_topics_are_listed_by_latest_activity_with_an_unanswered_filter(session):
    first = services.create_topic(session, author_id=ALICE, title="Premier", category="pratique", body="?",
                                  categories=CATEGORIES)
    second = services.create_topic(session, author_id=BOB, title="Second", category="pratique", body="?",
                                   categories=CATEGORIES)
    post(session, "Réponse", thread_id=first.id, author_id=BOB)
    topics, total = services.list_topics(session)
    assert [t.id for t in topics] == [first.id, second.id] and total == 2
    unanswered, total = services.list_topics(session, unanswered=True)
    assert [t.id for t in unanswered] == [second.id] and total == 1
    page2, total = services.list_topics(session, page=2, per_page=1)
    assert [t.id for t in page2] == [second.id]
    refused("unknown_category", services.create_topic, session, author_id=ALICE, title="x", category="autre",
            body="?", categories=CATEGORIES)
    refused("empty_title", services.create_topic, session, author_id=ALICE, title=" ", category="pratique",
            body="?", categories=CATEGORIES)


def test_a_renamed_page_keeps_its_thread(session):
    post(session)
    thread = services.move_page(session, PAGE, "fiches/validation-des-acquis.md")
    assert thread.page_path == "fiches/validation-des-acquis.md"
    assert services.page_thread(session, "fiches/validation-des-acquis.md").id == thread.id
    assert services.move_page(session, "fiches/inconnue.md", "fiches/ailleurs.md") is None


def test_comments_rendered_under_an_older_policy_are_rendered_again(session):
    comment = post(session, "*texte*")
    comment.html, comment.policy_version = "stale", POLICY_VERSION - 1
    assert services.rerender_outdated(session) == 1
    assert comment.html == "<p><em>texte</em></p>" and comment.policy_version == POLICY_VERSION


def test_every_change_bumps_the_thread_version_and_counts_follow_visibility(session):
    first = post(session)
    thread = services.page_thread(session, PAGE)
    versions = [thread.version]
    post(session, "Deux")
    versions.append(thread.version)
    services.react(session, comment_id=first.id, member_id=BOB, kind="useful")
    versions.append(thread.version)
    services.hide_comment(session, comment_id=first.id, moderator_id=ANIMATOR, reason="x")
    versions.append(thread.version)
    assert versions == sorted(set(versions)) and thread.visible_count == 1
    assert session.scalar(select(Thread.visible_count).where(Thread.page_path == PAGE)) == 1


def test_a_page_thread_is_written_to_through_its_page_only(session):
    comment = post(session)
    refused("not_found", post, session, "Par la porte de derrière", thread_id=comment.thread_id)
