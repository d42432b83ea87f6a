"""Feed the search index: sections of the built pages, visible comments and topics.

The index follows commits: a publish reindexes the pages that changed (and drops the
deleted or renamed ones); a discussion change is indexed after its transaction commits
(``follow_discussions``, by the process's indexing thread). It is never the source of
truth: ``rebuild`` makes a new one beside the live one from the build and the database,
then swaps a symlink. One rebuild at a time for the whole instance (a lock file); while
one runs, changes wait and are indexed into the new index once it is swapped in. A
missing or unreadable index is rebuilt by the indexing thread, not by the request that
found it (a full rebuild takes minutes on a large community).
"""

import contextlib
import html
import logging
import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import selectinload

from auth_gateway import markers
from auth_gateway.builder import page_url
from auth_gateway.models import Member
from discussions.models import Comment, Thread, ThreadKind
from search_index.index import SearchIndex

logger = logging.getLogger(__name__)

#: The lock file of a rebuild, in the instance folder.
REBUILD_LOCK = "search_index.rebuilding"
#: Seconds after which a rebuild lock is from a process that died, and is taken over.
STALE_REBUILD = 30 * 60


class IndexRebuilding(Exception):
    """The index is missing or unreadable and is being rebuilt: search again in a few minutes."""


_ARTICLE = re.compile(rb'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
_HEADING = re.compile(r'<h([1-3]) id="([^"]*)"[^>]*>(.*?)</h\1>', re.S)
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def _text(fragment):
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", _PERMALINK.sub("", fragment)))).strip()


def index_of(paths):
    """Return the instance's search index (``search_index`` is a symlink to the live one)."""
    return SearchIndex(paths.root / "search_index")


class LiveIndex:
    """The index searches read in this process: kept open between requests (a searcher
    is reopened only when the index changed), and a new one once ``rebuild`` swapped
    the link (the old folder's files are released)."""

    def __init__(self, paths):
        self.link = paths.root / "search_index"
        self._lock = threading.Lock()
        self._index = None

    def current(self):
        """Return the :class:`SearchIndex` the link points to now."""
        folder = os.path.realpath(self.link)
        with self._lock:
            if self._index is None or str(self._index.folder) != folder:
                self._close()
                self._index = SearchIndex(folder)
            return self._index

    def close(self):
        with self._lock:
            self._close()

    def _close(self):
        if self._index is not None:
            self._index.close()
            self._index = None


def page_file(build_root, page_path):
    """Return the built HTML file of a page, or None."""
    path = os.path.join(build_root, page_url(page_path).strip("/"), "index.html")
    return path if os.path.isfile(path) else None


def section_records(build_root, page_path):
    """Return one record per section (h2/h3) of a built page, the intro under its title."""
    filename = page_file(build_root, page_path)
    if filename is None:
        return []
    with open(filename, "rb") as file:
        article = _ARTICLE.search(file.read())
    if article is None:
        return []
    content = article.group(1).decode()
    headings = list(_HEADING.finditer(content))
    page_title = next((_text(h.group(3)) for h in headings if h.group(1) == "1"), page_path)
    url = page_url(page_path)
    records, start, anchor, section_title = [], 0, "", ""
    for heading in [h for h in headings if h.group(1) != "1"] + [None]:
        end = heading.start() if heading else len(content)
        body = _text(content[start:end])
        if body:
            records.append({"id": f"section:{page_path}#{anchor}", "kind": "section", "page": page_path,
                            "title": f"{page_title} — {section_title}" if section_title else page_title,
                            "body": body, "url": f"{url}#{anchor}" if anchor else url})
        if heading:
            start, anchor, section_title = heading.end(), heading.group(2), _text(heading.group(3))
    return records


def built_pages(build_root):
    """Return the source paths of every page of a build (read from their markers)."""
    found = []
    for folder, _, files in os.walk(build_root):
        if "index.html" in files:
            with open(os.path.join(folder, "index.html"), "rb") as file:
                page = markers.page_source(file.read())
            if page:
                found.append(page)
    return found


def _names(session, ids):
    if not ids:
        return {}
    return dict(session.execute(select(Member.id, Member.display_name).where(Member.id.in_(ids))).all())


def discussion_records(session, threads):
    """Return the records of the comments of ``threads`` (topics: their first message),
    hidden ones marked (animators only find them), deleted ones left out."""
    comments = [c for t in threads for c in t.comments]
    names = _names(session, {c.author_id for c in comments})
    records = []
    for thread in threads:
        where = (page_url(thread.page_path) if thread.kind == ThreadKind.PAGE and not thread.archived
                 else f"/-/forum/{thread.id}")
        title = thread.title or thread.page_path or ""
        for comment in thread.comments:
            if comment.deleted_at is not None:
                continue
            first = thread.kind == ThreadKind.TOPIC and comment.id == thread.comments[0].id
            # No "page": dropping a page's sections must not drop its discussion.
            records.append({"id": f"comment:{comment.id}", "kind": "topic" if first else "comment",
                            "page": "", "thread": thread.id, "title": title, "body": comment.body,
                            "hidden": "yes" if comment.hidden_at is not None else "",
                            "url": f"{where}#commentaire-{comment.id}", "author": names.get(comment.author_id, ""),
                            "date": comment.created_at.date().isoformat()})
    return records


@contextlib.contextmanager
def _rebuild_lock(paths):
    """Hold the instance's rebuild lock; raise :class:`IndexRebuilding` when another
    rebuild holds it (a lock older than :data:`STALE_REBUILD` is taken over)."""
    lock = paths.root / REBUILD_LOCK
    for _ in range(2):
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            break
        except FileExistsError:
            with contextlib.suppress(FileNotFoundError):
                if time.time() - lock.stat().st_mtime < STALE_REBUILD:
                    raise IndexRebuilding() from None
                lock.unlink()
    else:
        raise IndexRebuilding()
    try:
        os.write(descriptor, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(descriptor)
        lock.unlink(missing_ok=True)


def rebuilding(paths):
    """True while a rebuild runs (in any process)."""
    lock = paths.root / REBUILD_LOCK
    with contextlib.suppress(FileNotFoundError):
        return time.time() - lock.stat().st_mtime < STALE_REBUILD
    return False


def wait_for_rebuild(paths, poll=0.5):
    """Wait until no rebuild runs (changes are then indexed into the new index)."""
    while rebuilding(paths):
        time.sleep(poll)


def rebuild(paths, database, build_root):
    """Build a complete index beside the live one, then swap it in atomically; return its size.

    :raises IndexRebuilding: when another rebuild is running.
    """
    with _rebuild_lock(paths):
        live_link = paths.root / "search_index"
        folder = paths.root / f"search_index.{secrets.token_hex(4)}"
        try:
            fresh = SearchIndex(folder)
            fresh.create()
            records = ([r for page in built_pages(build_root) for r in section_records(build_root, page)]
                       if build_root else [])
            with database.session() as session:
                threads = session.scalars(select(Thread).options(selectinload(Thread.comments))).all()
                records += discussion_records(session, threads)
            fresh.build(records)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # never a half-built index left behind
            raise
        previous = os.path.realpath(live_link) if live_link.is_symlink() else None
        temporary = paths.root / f".search_index-{secrets.token_hex(4)}"
        os.symlink(folder.name, temporary)
        os.replace(temporary, live_link)
        if previous and os.path.isdir(previous):
            shutil.rmtree(previous, ignore_errors=True)
        return len(records)


def follow_publish(paths, database, build_root, renamed, deleted, written):
    """Reindex what a publish changed: written pages, and drop deleted or renamed ones."""
    wait_for_rebuild(paths)
    index = index_of(paths)
    if not index.exists():
        rebuild(paths, database, build_root)
        return
    gone = list(deleted) + [old for old, _ in renamed]
    records = [r for page in written for r in section_records(build_root, page)]
    index.update(records, delete_pages=gone + list(written))
    index.close()


class IndexWorker:
    """One indexing thread per process: discussion changes are indexed in the background,
    in batches, a moment after their commit (well under a second); a failure is logged
    and retried, then left to `entrepairs reindex`. It also rebuilds a missing or
    unreadable index when a search asks for it."""

    ATTEMPTS = 3

    def __init__(self, paths, database):
        self.paths, self.database = paths, database
        self.pending = queue.Queue()
        self._thread = None
        self._start_lock = threading.Lock()
        self._rebuild_asked = False

    def submit(self, thread_ids):
        """Index these threads soon."""
        self._put(set(thread_ids))

    def rebuild_soon(self):
        """Rebuild the whole index from the live build and the database (unless a rebuild
        runs, or is already asked for: every search meanwhile asks)."""
        with self._start_lock:
            if self._rebuild_asked or rebuilding(self.paths):
                return
            self._rebuild_asked = True
        self._put(_REBUILD)

    def _put(self, item):
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)
                self._thread.start()
        self.pending.put(item)

    def flush(self, timeout=10.0):
        """Wait until everything submitted so far is indexed (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self.pending.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def _run(self):
        while True:
            batches = [self.pending.get()]
            while not self.pending.empty():
                batches.append(self.pending.get_nowait())
            if _REBUILD in batches:
                self._rebuild()
                with self._start_lock:
                    self._rebuild_asked = False
            thread_ids = set().union(*(b for b in batches if b is not _REBUILD))
            for attempt in range(1, self.ATTEMPTS + 1 if thread_ids else 1):
                try:
                    wait_for_rebuild(self.paths)
                    _reindex_threads(self.paths, self.database, thread_ids)
                    break
                except Exception:  # logged, retried; the database stays the source of truth
                    logger.exception("search index: threads %s not indexed (try %s)", sorted(thread_ids), attempt)
                    time.sleep(0.5 * attempt)
            for _ in batches:
                self.pending.task_done()

    def _rebuild(self):
        """Run ``entrepairs reindex`` in a process of its own: the build forks worker
        processes, which a threaded web worker must not do, and takes minutes."""
        command = [sys.executable, "-m", "auth_gateway", "--instance", str(self.paths.root), "reindex"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=STALE_REBUILD, check=False)
        except subprocess.TimeoutExpired:
            logger.error("search index: rebuild still running after %s s, stopped", STALE_REBUILD)
            return
        if done.returncode == 0:
            logger.info("search index rebuilt: %s", done.stdout.strip())
        elif not rebuilding(self.paths):  # else another process is rebuilding it
            logger.error("search index: rebuild failed (exit %s): %s", done.returncode, done.stderr.strip())


#: The request to rebuild the whole index, in the indexing thread's queue.
_REBUILD = object()


def follow_discussions(paths, database):
    """Index every discussion change after its transaction commits (deleted: dropped;
    hidden: marked); return the process's :class:`IndexWorker`."""
    worker = IndexWorker(paths, database)

    def after_flush(session, _context):
        changed = session.info.setdefault("search_changed", set())
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, Comment):
                changed.add(obj.thread_id)
            elif isinstance(obj, Thread) and (obj in session.new or any(
                    inspect(obj).attrs[name].history.has_changes() for name in ("page_path", "archived", "title"))):
                changed.add(obj.id)

    def after_commit(session):
        thread_ids = session.info.pop("search_changed", set())
        if thread_ids:
            worker.submit(thread_ids)

    def after_rollback(session, _previous):
        session.info.pop("search_changed", None)

    for factory in database.session_factories():
        event.listen(factory, "after_flush", after_flush)
        event.listen(factory, "after_commit", after_commit)
        event.listen(factory, "after_soft_rollback", after_rollback)
    return worker


def _reindex_threads(paths, database, thread_ids):
    index = index_of(paths)
    if not index.exists():
        return  # built at the next publish or `entrepairs reindex`
    try:
        with database.session() as session:
            threads = session.scalars(select(Thread).where(Thread.id.in_(thread_ids))
                                      .options(selectinload(Thread.comments))).all()
            stale = [f"comment:{c.id}" for t in threads for c in t.comments if c.deleted_at is not None]
            index.update(discussion_records(session, threads), delete_ids=stale)
    finally:
        index.close()
