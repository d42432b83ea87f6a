"""Docs as tests: every setting, CLI command and translation key is documented or defined."""

import re
from pathlib import Path

import click
import pytest

from auth_gateway.cli import main
from auth_gateway.config import DEFAULTS
from auth_gateway.i18n import catalogue

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Keys built at run time from a prefix and a value: error pages by HTTP status, and the
# names of roles, reactions, moderation actions and discussion errors.
DYNAMIC_PREFIXES = ("error.", "role.", "comment.", "moderation.kind.", "discussion_error.", "import.line.",
                    "join.answer.", "status.", "audit.", "search.")


def commands(group, prefix="entrepairs"):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}"


@pytest.mark.parametrize("setting", sorted(DEFAULTS))
def test_every_setting_is_documented(setting):
    assert f"`{setting}`" in README and f"ENTREPAIRS_{setting}" in README


@pytest.mark.parametrize("command", sorted(commands(main)))
def test_every_cli_command_is_documented(command):
    assert command in README


def used_translation_keys():
    sources = [*ROOT.glob("auth_gateway/**/*.py"), *ROOT.glob("auth_gateway/templates/**/*.html")]
    pattern = re.compile(r"""\b(?:t|translate)\(\s*["']([a-z0-9_.]*[a-z0-9_])["']""")
    return {key for path in sources for key in pattern.findall(path.read_text(encoding="utf-8"))}


def test_every_translation_key_used_exists():
    assert used_translation_keys() - set(catalogue("fr")) == set()


def test_every_dynamic_key_names_a_real_value():
    from auth_gateway.models import Role
    from discussions.models import ModerationKind, ReactionKind

    keys = set(catalogue("fr"))
    services = (ROOT / "discussions" / "services.py").read_text(encoding="utf-8")
    raised = set(re.findall(r'DiscussionError\("([a-z_]+)"', services))
    assert {k.removeprefix("discussion_error.") for k in keys if k.startswith("discussion_error.")} == raised
    assert {f"moderation.kind.{k}" for k in ModerationKind} <= keys
    assert {f"comment.{k}" for k in ReactionKind} <= keys
    assert {f"role.{r}" for r in Role} <= keys


def test_every_translation_key_is_used():
    sources = "".join(p.read_text(encoding="utf-8") for pattern in ("auth_gateway/**/*.py", "auth_gateway/templates/**/*.html")
                      for p in ROOT.glob(pattern))
    dynamic = {f"comment.{k}" for k in ("useful", "thanks")}
    mails = {p.stem for p in (ROOT / "auth_gateway" / "templates" / "mail").glob("*.txt")}
    sources += "".join(f'"mail.{name}.subject"' for name in mails)  # mail.queue() builds the key
    unused = {key for key in catalogue("fr") if (not key.startswith(DYNAMIC_PREFIXES) or
                                                 key.startswith("comment.") and key not in dynamic)
              and f'"{key}"' not in sources and f"'{key}'" not in sources}
    assert unused == set()
