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
#: mkdocs.yml keys that run code on the build host; refused in the content repo.
FORBIDDEN_KEYS = {"hooks"}

_INLINE_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


class BuildError(Exception):
    """The site could not be built; the message says why, the log holds mkdocs' output."""

    def __init__(self, message, log=""):
        super().__init__(message)
        self.log = log


def _plugins_without_search(plugins):
    if isinstance(plugins, dict):
        return {name: options for name, options in plugins.items() if name not in REMOVED_PLUGINS}
    names = (next(iter(p)) if isinstance(p, dict) else p for p in plugins)
    return [p for p, name in zip(plugins, names, strict=True) if name not in REMOVED_PLUGINS]


def _read_settings(config_file):
    try:
        # safe_load: no !!python/ tags from a contributor's mkdocs.yml.
        settings = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BuildError(f"mkdocs.yml illisible : {error}") from error
    if not isinstance(settings, dict):
        raise BuildError("mkdocs.yml doit contenir un dictionnaire de réglages")
    forbidden = sorted(FORBIDDEN_KEYS & set(settings))
    if forbidden:
        raise BuildError(f"mkdocs.yml : clé interdite ({', '.join(forbidden)})")
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
            plugins=_plugins_without_search(settings.get("plugins") or []),
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
