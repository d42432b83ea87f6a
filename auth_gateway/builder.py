"""Build a checkout of the content repo into a static site with MkDocs + Material.

The only module that knows the site generator: Material for MkDocs reaches end of
life in May 2027 and a successor (Zensical reads mkdocs.yml) may replace it here.
"""

import base64
import hashlib
import logging
import re
from pathlib import Path

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

#: Theme overrides applied to every build (custom_dir): markers and the gateway header.
OVERRIDES = Path(__file__).with_name("theme")
#: Plugins never run: Whoosh, through the gateway, replaces search, whose
#: search_index.json would hold every page's text.
REMOVED_PLUGINS = {"search", "material/search"}

# mkdocs.yml comes from the content repo, which contributors will push to: what it may
# say is an allowlist. Refused: keys that run code or read the host (hooks, INHERIT,
# plugins, extra_templates, site_dir, docs_dir, custom_dir), scripts (extra_javascript)
# and Markdown extensions that read files (pymdownx.snippets). Pages live in docs/.
ALLOWED_KEYS = {
    "site_name", "site_description", "site_author", "site_url", "copyright", "nav",
    "use_directory_urls", "theme", "plugins", "extra", "extra_css", "markdown_extensions",
    "exclude_docs", "draft_docs", "not_in_nav", "validation", "repo_url", "repo_name", "edit_uri",
}
ALLOWED_THEME_KEYS = {"name", "language", "features", "palette", "icon", "logo", "favicon", "font"}
ALLOWED_EXTENSIONS = {
    "abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "toc",
    "pymdownx.betterem", "pymdownx.caret", "pymdownx.details", "pymdownx.highlight",
    "pymdownx.inlinehilite", "pymdownx.keys", "pymdownx.mark", "pymdownx.smartsymbols",
    "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.tasklist", "pymdownx.tilde",
}
#: Where the pages are, in the content repo.
DOCS_DIR = "docs"
#: Files a knowledge base may not ship: scripts would run with the site's origin.
FORBIDDEN_SUFFIXES = {".js", ".mjs"}

_INLINE_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


class BuildError(Exception):
    """The site could not be built; the message says why, the log holds mkdocs' output."""

    def __init__(self, message, log=""):
        super().__init__(message)
        self.log = log


def _names(entries):
    if isinstance(entries, dict):
        return list(entries)
    return [next(iter(e)) if isinstance(e, dict) else e for e in entries or []]


def _check_settings(settings):
    refused = sorted(set(settings) - ALLOWED_KEYS)
    theme = settings.get("theme") or {}
    if isinstance(theme, dict):
        refused += [f"theme.{k}" for k in sorted(set(theme) - ALLOWED_THEME_KEYS)]
    refused += [f"markdown_extensions: {n}" for n in _names(settings.get("markdown_extensions"))
                if n not in ALLOWED_EXTENSIONS]
    refused += [f"plugins: {n}" for n in _names(settings.get("plugins")) if n not in REMOVED_PLUGINS]
    if refused:
        raise BuildError(f"mkdocs.yml : réglage interdit ({', '.join(refused)})")


def _read_settings(config_file):
    try:
        # safe_load: no !!python/ tags (nor !ENV, !relative) from a contributor's mkdocs.yml.
        settings = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BuildError(f"mkdocs.yml illisible : {error}") from error
    if not isinstance(settings, dict):
        raise BuildError("mkdocs.yml doit contenir un dictionnaire de réglages")
    _check_settings(settings)
    docs_dir = config_file.parent / DOCS_DIR
    scripts = sorted(str(p.relative_to(docs_dir)) for p in docs_dir.rglob("*")
                     if p.suffix.lower() in FORBIDDEN_SUFFIXES or p.is_symlink())
    if scripts:
        raise BuildError(f"fichier interdit dans la base (script ou lien symbolique) : {', '.join(scripts)}")
    return settings


class _LogCapture(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


def _reason(error, log_lines):
    # mkdocs' own message is often generic ("Aborted with 3 warnings in strict mode!"):
    # add the first problem it logged.
    reason = str(error) or type(error).__name__
    first = next((line for line in log_lines if line.startswith(("ERROR", "WARNING"))), None)
    return f"{reason} ({first})" if first else reason


def build_site(source_dir, site_dir, *, strict=True):
    """Build the MkDocs project in ``source_dir`` into ``site_dir``; return mkdocs' log.

    The gateway's overrides are applied: theme custom_dir, no search plugin, no web
    fonts, a fixed ``extra.scope`` (identical inline scripts on every page, for the CSP).

    :raises BuildError: on a broken configuration, a build error, or any warning in
        strict mode.
    """
    config_file = Path(source_dir) / "mkdocs.yml"
    settings = _read_settings(config_file)
    theme = settings.get("theme") or {}
    theme = {"name": theme} if isinstance(theme, str) else dict(theme)
    theme.update(custom_dir=str(OVERRIDES), font=False)
    capture = _LogCapture()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(capture)
    try:
        config = load_config(
            config_file=str(config_file),
            site_dir=str(site_dir),
            strict=strict,
            theme=theme,
            plugins=[],  # only removed plugins are allowed (see _check_settings)
            extra={**(settings.get("extra") or {}), "scope": "/"},
        )
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    except Exception as error:  # mkdocs and its plugins raise many kinds: all mean "failed".
        raise BuildError(_reason(error, capture.lines), "\n".join(capture.lines)) from error
    finally:
        logger.removeHandler(capture)
    return "\n".join(capture.lines)


def page_url(page_path):
    """Return the site URL of the page whose source is ``page_path`` (relative to docs/).

    mkdocs' directory URLs: ``fiches/vae.md`` -> ``/fiches/vae/``, ``fiches/index.md`` ->
    ``/fiches/``, ``index.md`` -> ``/``.
    """
    stem = page_path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index") or stem == "README" or stem.endswith("/README"):
        stem = stem.rpartition("/")[0]
    return f"/{stem}/" if stem else "/"


def inline_script_hashes(site_dir):
    """Return the CSP source expressions ('sha256-...') of the theme's inline scripts.

    Read from the built 404 page: with a fixed ``extra.scope`` every page carries the same
    inline scripts.
    """
    html = (Path(site_dir) / "404.html").read_bytes()
    hashes = []
    for match in _INLINE_SCRIPT.finditer(html):
        attrs = match["attrs"].lower()
        if b"src=" in attrs or b"application/json" in attrs:
            continue
        digest = base64.b64encode(hashlib.sha256(match["body"]).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return sorted(set(hashes))
