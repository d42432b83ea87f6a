"""The content git repo: the knowledge base's Markdown sources and mkdocs.yml."""

import io
import shutil
import tarfile
from pathlib import Path

import git

from auth_gateway.builder import DOCS_DIR

#: Identity of the commits the tool makes itself.
TOOL_ACTOR = git.Actor("entrepairs", "entrepairs@localhost")
#: What a content repo holds from the starter.
STARTER_ITEMS = ("mkdocs.yml", "docs")


def starter_dir():
    """Return the folder holding the starter mkdocs.yml and docs/.

    In a wheel they are packaged under auth_gateway/starter; in a source checkout they
    are the project's own top-level files.
    """
    packaged = Path(__file__).with_name("starter")
    return packaged if (packaged / "mkdocs.yml").exists() else Path(__file__).resolve().parents[1]


def init_content_repo(content_dir, starter=None):
    """Create the content repo from the starter, with a first commit; False if it exists."""
    content_dir = Path(content_dir)
    if (content_dir / ".git").exists():
        return False
    starter = Path(starter or starter_dir())
    content_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(starter / "mkdocs.yml", content_dir / "mkdocs.yml")
    shutil.copytree(starter / "docs", content_dir / "docs", dirs_exist_ok=True)
    repo = git.Repo.init(content_dir, initial_branch="main")
    repo.git.add("--all")
    commit(repo, "Knowledge base created from the starter")
    return True


def commit(repo, message):
    """Commit the index of ``repo`` as the tool and return the new commit's SHA."""
    repo.git.commit(
        "-m", message,
        author=f"{TOOL_ACTOR.name} <{TOOL_ACTOR.email}>",
        env={"GIT_COMMITTER_NAME": TOOL_ACTOR.name, "GIT_COMMITTER_EMAIL": TOOL_ACTOR.email},
    )
    return repo.head.commit.hexsha


def head_commit(content_dir):
    """Return the SHA of the content repo's HEAD."""
    return git.Repo(content_dir).head.commit.hexsha


def export_commit(content_dir, sha, destination):
    """Write the files of commit ``sha`` (not the working tree) into ``destination``."""
    buffer = io.BytesIO()
    git.Repo(content_dir).archive(buffer, treeish=sha, format="tar")
    buffer.seek(0)
    with tarfile.open(fileobj=buffer) as archive:
        archive.extractall(destination, filter="data")


def page_changed(content_dir, page_path, since, until):
    """Return whether the page's source differs between commits ``since`` and ``until``."""
    if since == until:
        return False
    repo = git.Repo(content_dir)
    return bool(repo.git.diff(since, until, "--name-only", "--", f"{DOCS_DIR}/{page_path}"))


def page_diff(content_dir, page_path, since, until):
    """Return the unified diff of the page's source between two commits (renames followed)."""
    repo = git.Repo(content_dir)
    return repo.git.diff(since, until, "-M50%", "--", f"{DOCS_DIR}/{page_path}")


def page_changes(content_dir, since, until):
    """Return (renamed [(old, new)], deleted [path], written [path]) pages between two commits.

    Paths are relative to docs/; git's rename detection pairs a deleted source with an
    added one that is at least 50 % similar; written pages were added or modified
    (renamed ones included under their new path when their text changed).
    """
    renamed, deleted, written = [], [], []
    prefix = f"{DOCS_DIR}/"
    repo = git.Repo(content_dir)
    for change in repo.commit(since).diff(until, find_renames="50%"):
        old, new = change.a_path or "", change.b_path or ""
        old_page = old.startswith(prefix) and old.endswith(".md")
        new_page = new.startswith(prefix) and new.endswith(".md")
        if change.renamed_file and old_page and new_page:
            renamed.append((old.removeprefix(prefix), new.removeprefix(prefix)))
            written.append(new.removeprefix(prefix))
        elif (change.deleted_file or change.renamed_file) and old_page:
            deleted.append(old.removeprefix(prefix))
        elif not change.deleted_file and new_page:
            written.append(new.removeprefix(prefix))
    return renamed, deleted, written
