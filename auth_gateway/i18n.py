"""The one translation layer: every text a person reads comes from a catalogue.

Catalogues are YAML files in ``auth_gateway/translations/<language>.yml`` mapping a
stable English key to the text, with ``{name}`` placeholders. French is the only
language today; another one is a new file.
"""

from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

CATALOGUES = Path(__file__).with_name("translations")
DEFAULT_LANGUAGE = "fr"


@cache
def catalogue(language=DEFAULT_LANGUAGE):
    """Return the messages of ``language``."""
    path = CATALOGUES / f"{language}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def translate(key, language=DEFAULT_LANGUAGE, **values):
    """Return the text for ``key``, with ``values`` put into its placeholders.

    :raises KeyError: when the key is missing (a test checks every key used exists).
    """
    text = catalogue(language)[key]
    return text.format(**values) if values else text


def format_datetime(moment, timezone, language=DEFAULT_LANGUAGE):
    """Return ``moment`` as people of ``language`` write it, in ``timezone``."""
    local = moment.astimezone(ZoneInfo(timezone))
    month = catalogue(language)["date.months"][local.month - 1]
    return translate("date.format", language, day=local.day, month=month, year=local.year,
                     hour=f"{local.hour:02d}", minute=f"{local.minute:02d}")
