"""Demo accounts of a demo community: one per role, from different structures and regions."""

import secrets

import yaml

from auth_gateway import members
from auth_gateway.models import Role

DEMO_MEMBERS = (
    {"email": "claire.martin@apec.example", "name": "Claire Martin", "role": Role.ADMIN,
     "structure": "Apec", "region": "Auvergne-Rhône-Alpes"},
    {"email": "karim.benali@francetravail.example", "name": "Karim Benali", "role": Role.ANIMATOR,
     "structure": "France Travail", "region": "Provence-Alpes-Côte d'Azur"},
    {"email": "sophie.lefevre@missionlocale.example", "name": "Sophie Lefèvre", "role": Role.MEMBER,
     "structure": "Mission locale", "region": "Bourgogne-Franche-Comté"},
    {"email": "julien.moreau@capemploi.example", "name": "Julien Moreau", "role": Role.MEMBER,
     "structure": "Cap emploi", "region": "Auvergne-Rhône-Alpes"},
)


def ensure_demo_accounts(paths, database, community):
    """Create the demo members that are missing; return every demo account with its password.

    Passwords are random, kept in the instance's demo-accounts.yml (mode 0600) so that a
    second init prints the same ones.
    """
    known = {}
    if paths.demo_accounts_file.exists():
        known = {a["email"]: a for a in yaml.safe_load(paths.demo_accounts_file.read_text(encoding="utf-8")) or []}
    accounts = []
    with database.write() as session:
        for spec in DEMO_MEMBERS:
            account = known.get(spec["email"]) or {**spec, "role": spec["role"].value,
                                                   "password": secrets.token_urlsafe(9)}
            if members.find_member(session, spec["email"]) is None:
                members.add_member(session, community, email=spec["email"], name=spec["name"],
                                   structure=spec["structure"], region=spec["region"],
                                   password=account["password"], role=spec["role"])
            accounts.append(account)
    paths.demo_accounts_file.touch(mode=0o600, exist_ok=True)
    paths.demo_accounts_file.write_text(yaml.safe_dump(accounts, allow_unicode=True, sort_keys=False),
                                        encoding="utf-8")
    return accounts
