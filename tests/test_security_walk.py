"""Nothing of the site reaches anyone but an active member: every file of the real starter
build is requested without a session, with a suspended member's session and with a cookie
copied before logout."""

import os
from pathlib import Path

import pytest
from flask_login import FlaskLoginClient
from sqlalchemy import update

from auth_gateway import create_app, migrate, publish
from auth_gateway.instance import init_instance
from auth_gateway.members import SignedInMember, add_member
from auth_gateway.models import Member, Status
from tests.conftest import PASSWORD
from tests.helpers import login, logout

REFUSED = {302, 401, 404}


@pytest.fixture(scope="module")
def starter_site(tmp_path_factory):
    """An instance with the real starter knowledge base built, and three members."""
    root = tmp_path_factory.mktemp("walk") / "instance"
    paths, _ = init_instance(root)
    app = create_app({"INSTANCE_PATH": str(root)})
    app.test_client_class = FlaskLoginClient
    services = app.extensions["entrepairs"]
    migrate.upgrade(services.database)
    publish.publish(paths, services.database)
    with services.database.write() as session:
        people = {
            name: add_member(session, services.community, email=f"{name}@apec.fr", name=name.title(),
                             structure="Apec", region="Bretagne", password=PASSWORD)
            for name in ("active", "suspended", "leaver")
        }
    # A cookie copied from a real login, then the member logs out.
    leaver = app.test_client()
    login(leaver, "leaver@apec.fr", remember=True)
    copied = {cookie.key: cookie.value for cookie in leaver._cookies.values()}
    logout(leaver)
    suspended = app.test_client(user=SignedInMember.of(people["suspended"]))
    with services.database.write() as session:
        session.execute(update(Member).where(Member.email == "suspended@apec.fr").values(status=Status.SUSPENDED))
    site_root = Path(os.path.realpath(paths.live_site))
    files = sorted("/" + str(p.relative_to(site_root)) for p in site_root.rglob("*") if p.is_file())
    yield {"app": app, "paths": paths, "files": files, "copied": copied, "suspended": suspended,
           "member": app.test_client(user=SignedInMember.of(people["active"]))}
    services.database.dispose()


def test_the_starter_is_a_real_knowledge_base(starter_site):
    pages = [f for f in starter_site["files"] if f.startswith("/fiches/") and f.endswith("/index.html")]
    assert len(pages) >= 15
    assert "/charte/index.html" in starter_site["files"]


def clients(site):
    app = site["app"]
    anonymous = app.test_client()
    thief = app.test_client()
    for name, value in site["copied"].items():
        thief.set_cookie(name, value)
    return {"anonymous": anonymous, "suspended": site["suspended"], "copied cookie": thief}


def test_every_file_of_the_build_is_refused_without_an_active_session(starter_site):
    assert len(starter_site["files"]) > 50
    leaks = []
    for who, client in clients(starter_site).items():
        for path in starter_site["files"]:
            for variant in {path, path.removesuffix("index.html")}:
                with client.get(variant) as response:
                    if response.status_code not in REFUSED:
                        leaks.append((who, variant, response.status_code))
                    elif response.status_code == 302:
                        assert response.location.startswith("/-/connexion")
    assert leaks == []


def test_every_file_of_the_build_is_served_to_an_active_member(starter_site):
    member = starter_site["member"]
    for path in starter_site["files"]:
        if path == "/404.html":
            continue
        with member.get(path) as response:
            assert response.status_code == 200, path


SECRETS = [
    "/.git/config", "/mkdocs.yml", "/config.yml", "/community.yml", "/entrepairs.db", "/demo-accounts.yml",
    "/content/.git/config", "/content/mkdocs.yml", "/builds/", "/site/", "/../config.yml", "/..%2fconfig.yml",
    "/%2e%2e/config.yml", "/%2e%2e%2fconfig.yml", "/fiches/..%2f..%2fconfig.yml", "/fiches/%2e%2e/%2e%2e/config.yml",
    "/..\\config.yml", "/..%5cconfig.yml", "/fiches/..%5c..%5cconfig.yml", "/%00", "/index.html%00.yml",
    "/assets/../../config.yml", "/./config.yml", "/.%2e/config.yml", "/%252e%252e/config.yml",
    "/" + "a/" * 4000, "//etc/passwd", "/%2fetc%2fpasswd", "/builds/.lock",
]


@pytest.mark.parametrize("path", SECRETS)
def test_instance_files_and_traversal_are_never_reachable(starter_site, path):
    secret = starter_site["app"].config["SECRET_KEY"]
    for who, client in {**clients(starter_site), "member": starter_site["member"]}.items():
        with client.get(path) as response:
            body = response.get_data()
            assert response.status_code in REFUSED | {301, 308}, (who, response.status_code)
            assert secret.encode() not in body and b"SQLite format" not in body and b"[core]" not in body
            if response.status_code in (301, 308):
                assert not response.location.startswith(("//", "http"))
