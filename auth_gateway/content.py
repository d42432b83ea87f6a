"""The content git repo: the knowledge base's Markdown sources and mkdocs.yml."""

import io
import shutil
import tarfile
from pathlib import Path

import git

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
