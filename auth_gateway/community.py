"""The community's definition: profession, structures and regions (community.yml)."""

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

#: Name of the community file in an instance.
COMMUNITY_FILE = "community.yml"
#: The default community (CEP advisors), copied into new instances.
DEFAULT_COMMUNITY = Path(__file__).with_name(COMMUNITY_FILE)
#: Forum categories when community.yml names none.
DEFAULT_CATEGORIES = {"questions": "Questions"}


class CommunityError(ValueError):
    """community.yml is missing a key or holds a value of the wrong shape."""


def fold(text):
    """Return ``text`` in the form used to compare names: NFKC, case-folded, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class Structure:
    """An employer whose advisors belong to the community."""

    name: str
    aliases: tuple[str, ...] = ()
    email_domains: tuple[str, ...] = ()

    def owns_email(self, email):
        """Return whether the address is of one of the structure's domains (or a subdomain)."""
        domain = email.rpartition("@")[2].casefold()
        return any(domain == d or domain.endswith("." + d) for d in self.email_domains)


@dataclass(frozen=True)
class EligibilityQuestion:
    """A yes/no question asked of people who ask to join, and the answer peers give."""

    id: str
    question: str
    expected: str  # "oui" or "non"


@dataclass(frozen=True)
class Community:
    """What a community is made of; loaded from community.yml."""

    name: str
    profession: str
    structures: tuple[Structure, ...]
    regions: tuple[str, ...]
    # Forum categories: slug -> French name, in display order.
    categories: dict
    # Asked on the join page, in order.
    eligibility: tuple[EligibilityQuestion, ...] = ()

    def find_structure(self, name):
        """Return the structure called ``name`` (or one of its aliases), case-insensitively."""
        wanted = fold(name)
        for structure in self.structures:
            if wanted in {fold(n) for n in (structure.name, *structure.aliases)}:
                return structure
        return None

    def find_region(self, name):
        """Return the canonical name of region ``name``, case-insensitively, or None."""
        wanted = fold(name)
        return next((r for r in self.regions if fold(r) == wanted), None)


def _strings(value, where):
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CommunityError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_community(data, source="community.yml"):
    """Validate the mapping read from community.yml and return a :class:`Community`."""
    if not isinstance(data, dict):
        raise CommunityError(f"{source}: expected a mapping")
    for key in ("name", "profession", "structures", "regions"):
        if key not in data:
            raise CommunityError(f"{source}: missing key '{key}'")
    for key in ("name", "profession"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise CommunityError(f"{source}: '{key}' must be a non-empty string")
    if not isinstance(data["structures"], list) or not data["structures"]:
        raise CommunityError(f"{source}: 'structures' must be a non-empty list")
    structures = []
    for index, item in enumerate(data["structures"], start=1):
        where = f"{source}: structures[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise CommunityError(f"{where}: each structure needs a 'name'")
        structures.append(Structure(
            name=item["name"].strip(),
            aliases=_strings(item.get("aliases", []), f"{where}.aliases"),
            email_domains=tuple(d.lower() for d in _strings(item.get("email_domains", []), f"{where}.email_domains")),
        ))
    regions = _strings(data["regions"], f"{source}: regions")
    if not regions:
        raise CommunityError(f"{source}: 'regions' must not be empty")
    names = [fold(n) for s in structures for n in (s.name, *s.aliases)]
    if len(names) != len(set(names)):
        raise CommunityError(f"{source}: two structures share a name or alias")
    if len({fold(r) for r in regions}) != len(regions):
        raise CommunityError(f"{source}: a region is listed twice")
    categories = data.get("categories", DEFAULT_CATEGORIES)
    if not isinstance(categories, dict) or not categories or not all(
            isinstance(k, str) and re.fullmatch(r"[a-z0-9-]+", k) and isinstance(v, str) and v.strip()
            for k, v in categories.items()):
        raise CommunityError(f"{source}: 'categories' must map lowercase slugs to names")
    eligibility = []
    for index, item in enumerate(data.get("eligibility") or [], start=1):
        where = f"{source}: eligibility[{index}]"
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k].strip()
                                                 for k in ("id", "question", "expected")):
            raise CommunityError(f"{where}: needs 'id', 'question' and 'expected'")
        if item["expected"] not in ("oui", "non"):
            raise CommunityError(f"{where}: 'expected' must be 'oui' or 'non'")
        eligibility.append(EligibilityQuestion(item["id"], item["question"].strip(), item["expected"]))
    return Community(data["name"].strip(), data["profession"].strip(), tuple(structures), regions,
                     {k: v.strip() for k, v in categories.items()}, tuple(eligibility))


def load_community(path):
    """Read and validate a community file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CommunityError(f"{path}: invalid YAML ({error})") from error
    return parse_community(data, source=str(path))


def dump(community):
    """Return the mapping that community.yml holds for ``community``."""
    return {
        "name": community.name, "profession": community.profession,
        "structures": [{"name": s.name, "aliases": list(s.aliases), "email_domains": list(s.email_domains)}
                       for s in community.structures],
        "regions": list(community.regions),
        "eligibility": [{"id": q.id, "question": q.question, "expected": q.expected} for q in community.eligibility],
        "categories": dict(community.categories),
    }


def save_community(path, data):
    """Validate ``data`` and write it as community.yml, atomically; return the Community.

    :raises CommunityError: when ``data`` is not a valid community (nothing is written).
    """
    community = parse_community(data, source=str(path))
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(yaml.safe_dump(dump(community), allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.replace(temporary, path)
    return community
