"""Tables of the discussions: threads (one per page, or a free topic), comments, their
revisions, reactions, and the moderation log.

Members belong to the gateway: ``*_id`` columns naming a member hold its id without a
foreign key (the gateway never deletes a member; erasure anonymises her).
"""

import enum
from datetime import UTC, datetime

from sqlalchemy import (Boolean, DateTime, Enum, ForeignKey, Index, Integer, MetaData, String, Text,
                        TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow():
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and read back timezone-aware (SQLite has no zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


def string_enum(cls):
    """Return a column type storing the values of the StrEnum ``cls`` as short strings."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda c: [m.value for m in c],
                validate_strings=True, name=cls.__name__.lower())


class Base(DeclarativeBase):
    """Declarative base of the discussions' tables (a metadata of their own)."""

    metadata = MetaData()


class ThreadKind(enum.StrEnum):
    """A page's discussion, or a free topic of the forum."""

    PAGE = "page"
    TOPIC = "topic"


class ReactionKind(enum.StrEnum):
    """What a member may say of a comment, once each."""

    USEFUL = "useful"
    THANKS = "thanks"


class ModerationKind(enum.StrEnum):
    """What an animator did."""

    HIDE = "hide"
    UNHIDE = "unhide"
    LOCK = "lock"
    UNLOCK = "unlock"
    MARK_ANSWER = "mark_answer"


class Thread(Base):
    """A discussion: under one page of the knowledge base, or a topic in a category."""

    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_kind_activity", "kind", "last_activity_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ThreadKind] = mapped_column(string_enum(ThreadKind))
    # Page threads: the page's source path in the content repo's docs/ ("fiches/vae.md").
    page_path: Mapped[str | None] = mapped_column(String(500), unique=True)
    # Topics: their title and category (a slug of community.yml's categories).
    title: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    # Who opened the topic (None for page threads).
    author_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Last comment posted: orders the forum.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # No new comment while locked (by an animator).
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The page was deleted from the knowledge base: readable in the archive only.
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # The reply an animator retained as the answer; set means resolved.
    answer_id: Mapped[int | None] = mapped_column(Integer)
    # Comments everyone sees (neither hidden nor deleted): counts shown on pages and lists.
    visible_count: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every change of the thread or its comments: keys the rendered-thread cache.
    version: Mapped[int] = mapped_column(Integer, default=0)

    comments: Mapped[list["Comment"]] = relationship(back_populates="thread", order_by="Comment.id")

    def touch(self):
        """Note a change (invalidates rendered copies)."""
        self.version += 1


class Comment(Base):
    """A member's message in a thread; replies hang under a top-level comment."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_thread_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    # The top-level comment this one replies to (replies are one level deep).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    author_id: Mapped[int] = mapped_column(Integer)
    # What the author typed (Markdown); emptied when she deletes the comment.
    body: Mapped[str] = mapped_column(Text, default="")
    # body rendered and sanitised at write time, under policy `policy_version`.
    html: Mapped[str] = mapped_column(Text, default="")
    policy_version: Mapped[int] = mapped_column(Integer, default=0)
    # Commit of the page when the comment was written (page threads).
    page_commit: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Hidden by an animator: seen only by its author and animators, marked.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by: Mapped[int | None] = mapped_column(Integer)
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    thread: Mapped[Thread] = relationship(back_populates="comments")
    reactions: Mapped[list["Reaction"]] = relationship(order_by="Reaction.id")

    @property
    def visible(self):
        """Seen by everyone: neither hidden nor deleted."""
        return self.hidden_at is None and self.deleted_at is None


class CommentRevision(Base):
    """A former text of an edited comment (its history)."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    # When this text was replaced.
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Reaction(Base):
    """'Utile' or 'Merci' from one member on one comment (once per kind)."""

    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("comment_id", "member_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    member_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ReactionKind] = mapped_column(string_enum(ReactionKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModerationAction(Base):
    """One moderation action: who, when, what, why."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ModerationKind] = mapped_column(string_enum(ModerationKind))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
