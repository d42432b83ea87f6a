"""Publish the content repo's HEAD: build it beside the live site, then swap atomically."""

import fcntl
import json
import logging
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from auth_gateway import content, indexing
from auth_gateway.builder import BuildError, build_site, inline_script_hashes, page_url
from auth_gateway.models import BuildStatus, PageRedirect, SiteBuild, utcnow
from discussions import services as discussions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveBuild:
    """The build being served: its commit, folder and the CSP hashes of its inline scripts."""

    commit: str
    root: str
    script_hashes: tuple[str, ...]


@dataclass(frozen=True)
class PublishResult:
    """What ``publish`` did: ``changed`` is False when HEAD was already live."""

    commit: str
    changed: bool
    seconds: float = 0.0


@contextmanager
def _writer_lock(paths):
    # One publisher at a time per instance, across processes.
    paths.builds_dir.mkdir(parents=True, exist_ok=True)
    with open(paths.builds_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def live_commit(paths):
    """Return the commit of the live build, or None when nothing was published yet."""
    try:
        return os.path.basename(os.readlink(paths.live_site))
    except FileNotFoundError:
        return None


def load_live_build(paths):
    """Return the :class:`LiveBuild` served now, or None."""
    commit = live_commit(paths)
    if commit is None:
        return None
    manifest = json.loads((paths.builds_dir / f"{commit}.json").read_text(encoding="utf-8"))
    return LiveBuild(commit, str(paths.builds_dir / commit), tuple(manifest["script_hashes"]))


def _swap_live(paths, commit):
    temporary = paths.root / f".site-{secrets.token_hex(4)}"
    os.symlink(os.path.join(paths.builds_dir.name, commit), temporary)
    os.replace(temporary, paths.live_site)


def _remove_old_builds(paths, keep):
    for entry in paths.builds_dir.iterdir():
        if entry.name == ".lock" or entry.name.removesuffix(".json") in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def publish(paths, database, *, strict=True):
    """Build HEAD of the content repo and make it the live site.

    A failed build leaves the live site untouched and is recorded with its log. A
    successful one is recorded in the same transaction as its consequences: the threads
    of renamed pages follow them (with a redirect from the old URL), those of deleted
    pages are archived.

    :raises BuildError: when the build fails.
    """
    with _writer_lock(paths):
        commit = content.head_commit(paths.content_dir)
        previous = live_commit(paths)
        if previous == commit:
            if _last_published(database) != commit:  # swapped, then stopped before recording
                _succeed(paths, database, None, commit, "")
            return PublishResult(commit, changed=False)
        with database.write() as session:
            record = SiteBuild(commit=commit, status=BuildStatus.RUNNING, log="")
            session.add(record)
        started = time.perf_counter()
        work = paths.builds_dir / f".tmp-{commit}-{secrets.token_hex(4)}"
        try:
            content.export_commit(paths.content_dir, commit, work / "source")
            log = build_site(work / "source", work / "site", strict=strict)
            manifest = {"commit": commit, "script_hashes": inline_script_hashes(work / "site"),
                        "built_at": utcnow().isoformat()}
            target = paths.builds_dir / commit
            if target.exists():  # built before but not live (HEAD moved back, or interrupted)
                shutil.rmtree(target)
            os.rename(work / "site", target)
            (paths.builds_dir / f"{commit}.json").write_text(json.dumps(manifest), encoding="utf-8")
            _swap_live(paths, commit)
        except BuildError as error:
            _finish(database, record.id, BuildStatus.FAILED, error.log, str(error))
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        _remove_old_builds(paths, keep={commit, previous})
        since = _last_published(database)
        _succeed(paths, database, record.id, commit, log)
        _follow_in_search(paths, database, since, commit)
        return PublishResult(commit, changed=True, seconds=time.perf_counter() - started)


def _last_published(database):
    with database.session() as session:
        return session.scalar(select(SiteBuild.commit).where(SiteBuild.status == BuildStatus.SUCCEEDED)
                              .order_by(SiteBuild.id.desc()).limit(1))


def _succeed(paths, database, build_id, commit, log):
    since = _last_published(database)
    with database.write() as session:
        if since is not None and since != commit:
            _follow_pages(session, paths, since, commit)
        if build_id is None:
            session.add(SiteBuild(commit=commit, status=BuildStatus.SUCCEEDED, log=log, finished_at=utcnow()))
        else:
            _finish_record(session, build_id, BuildStatus.SUCCEEDED, log, None)


def _follow_in_search(paths, database, since, until):
    """Reindex the pages the new build changed (the index is rebuilt when missing)."""
    build_root = str(paths.builds_dir / until)
    try:
        if since is None:
            indexing.rebuild(paths, database, build_root)
        else:
            renamed, deleted, written = content.page_changes(paths.content_dir, since, until)
            indexing.follow_publish(paths, database, build_root, renamed, deleted, written)
    except Exception:  # the site is published; `entrepairs reindex` rebuilds the index
        logger.exception("search index not updated for %s", until)


def _follow_pages(session, paths, since, until):
    renamed, deleted, _ = content.page_changes(paths.content_dir, since, until)
    for old, new in renamed:
        discussions.move_page(session, old, new)
        old_url, new_url = page_url(old), page_url(new)
        session.execute(delete(PageRedirect).where(PageRedirect.old_url.in_([old_url, new_url])))
        session.execute(update(PageRedirect).where(PageRedirect.new_url == old_url).values(new_url=new_url))
        session.add(PageRedirect(old_url=old_url, new_url=new_url))
    for page_path in deleted:
        discussions.archive_page(session, page_path)


def _finish(database, build_id, status, log, error):
    with database.write() as session:
        _finish_record(session, build_id, status, log, error)


def _finish_record(session, build_id, status, log, error):
    record = session.get(SiteBuild, build_id)
    record.status, record.log, record.error, record.finished_at = status, log, error, utcnow()
