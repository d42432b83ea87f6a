import json
import os

import git
import pytest
from sqlalchemy import select

from auth_gateway import content, publish
from auth_gateway.builder import BuildError, build_site, inline_script_hashes
from auth_gateway.models import BuildStatus, SiteBuild
from tests.conftest import write_small_starter


@pytest.fixture
def source(tmp_path):
    return write_small_starter(tmp_path / "source")


def test_build_applies_the_gateway_overrides(source, tmp_path):
    site = tmp_path / "site"
    build_site(source, site)
    page = (site / "fiches" / "premier-entretien" / "index.html").read_text(encoding="utf-8")
    assert "<!--entrepairs:thread fiches/premier-entretien.md-->" in page
    assert "<!--entrepairs:header-->" in page
    assert "/-/static/gateway.css" in page
    # No search plugin: no index of every page's text, no search UI; no Google Fonts.
    assert not (site / "search").exists() and not list(site.rglob("search_index.json"))
    assert 'data-md-component="search"' not in page
    assert "fonts.googleapis.com" not in page and "fonts.gstatic.com" not in page
    shell = (site / "404.html").read_text(encoding="utf-8")
    assert "ENTREPAIRS_GATEWAY_TITLE" in shell and "<!--entrepairs:gateway-content-->" in shell


def test_search_plugin_is_removed_even_when_the_content_repo_asks_for_it(source, tmp_path):
    config = source / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("plugins: []", "plugins:\n  - search"),
                      encoding="utf-8")
    build_site(source, tmp_path / "site")
    assert not list((tmp_path / "site").rglob("search_index.json"))


def test_every_inline_script_of_a_page_has_its_hash_in_the_policy(source, tmp_path):
    import base64
    import hashlib
    import re

    site = tmp_path / "site"
    build_site(source, site)
    hashes = set(inline_script_hashes(site))
    assert hashes
    for page in site.rglob("*.html"):
        for attrs, body in re.findall(rb"<script([^>]*)>(.*?)</script>", page.read_bytes(), re.S):
            if b"src=" in attrs or b"application/json" in attrs:
                continue
            assert f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'" in hashes, page


@pytest.mark.parametrize("breakage, message", [
    (lambda s: (s / "docs" / "index.md").write_text("[cassé](absente.md)\n"), "strict"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: [\n"), "illisible"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: x\nhooks: [evil.py]\n"), r"interdit \(hooks\)"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: x\nINHERIT: other.yml\n"), "INHERIT"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: x\nsite_dir: /tmp/elsewhere\n"), "site_dir"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: x\ndocs_dir: /etc\n"), "docs_dir"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: x\nextra_javascript: [x.js]\n"), "extra_javascript"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: x\nplugins: [tags]\n"), "plugins: tags"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: x\ntheme:\n  name: material\n  custom_dir: /\n"),
     "theme.custom_dir"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: x\nmarkdown_extensions:\n  - pymdownx.snippets:\n"
                                             "      base_path: [/]\n"), "pymdownx.snippets"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: !ENV [HOME]\n"), "illisible"),
    (lambda s: (s / "docs" / "x.js").write_text("alert(1)"), "x.js"),
    (lambda s: (s / "docs" / "lien.md").symlink_to("../mkdocs.yml"), "lien.md"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: !!python/name:os.system\n"), "illisible"),
    (lambda s: (s / "mkdocs.yml").write_text("site_name: x\ntheme:\n  name: nope\n"), "nope"),
])
def test_broken_sources_raise_build_error(source, tmp_path, breakage, message):
    breakage(source)
    with pytest.raises(BuildError, match=message):
        build_site(source, tmp_path / "site")


def commit_change(paths, relative, text, message="Edit"):
    repo = git.Repo(paths.content_dir)
    (paths.content_dir / relative).write_text(text, encoding="utf-8")
    repo.git.add("--all")
    return content.commit(repo, message)


def test_publish_swaps_the_live_site_and_serves_the_new_text(app, instance, services, member_client):
    first = publish.live_commit(instance)
    new = commit_change(instance, "docs/fiches/premier-entretien.md", "# Premier entretien\n\nTexte révisé.\n")
    result = publish.publish(instance, services.database)
    assert result.changed and result.commit == new
    assert os.path.islink(instance.live_site) and publish.live_commit(instance) == new
    assert "Texte révisé" in member_client.get("/fiches/premier-entretien/").get_data(as_text=True)
    # The previous build is kept (rollback), older ones are removed.
    assert {p.name for p in instance.builds_dir.iterdir() if p.is_dir()} == {first, new}
    third = commit_change(instance, "docs/index.md", "# Accueil\n\nNouvelle version.\n")
    publish.publish(instance, services.database)
    assert {p.name for p in instance.builds_dir.iterdir() if p.is_dir()} == {new, third}
    assert json.loads((instance.builds_dir / f"{third}.json").read_text())["commit"] == third
    # Publishing the same HEAD again changes nothing.
    assert publish.publish(instance, services.database).changed is False


def test_a_failed_build_leaves_the_previous_site_live_and_is_recorded(app, instance, services, member_client):
    live = publish.live_commit(instance)
    broken = commit_change(instance, "docs/fiches/premier-entretien.md", "# Premier\n\n[lien](inexistant.md)\n")
    with pytest.raises(BuildError):
        publish.publish(instance, services.database)
    assert publish.live_commit(instance) == live
    assert not (instance.builds_dir / broken).exists()
    assert not [p for p in instance.builds_dir.iterdir() if p.name.startswith(".tmp-")]
    assert "Écouter la demande" in member_client.get("/fiches/premier-entretien/").get_data(as_text=True)
    with services.database.session() as session:
        record = session.scalars(select(SiteBuild).where(SiteBuild.commit == broken)).one()
        assert record.status == BuildStatus.FAILED and "inexistant.md" in record.log and record.finished_at


def test_the_build_uses_the_commit_not_the_working_tree(app, instance, services, member_client):
    commit_change(instance, "docs/fiches/premier-entretien.md", "# Premier entretien\n\nCommité.\n")
    (instance.content_dir / "docs" / "index.md").write_text("# Brouillon non commité\n", encoding="utf-8")
    publish.publish(instance, services.database)
    assert "Commité." in member_client.get("/fiches/premier-entretien/").get_data(as_text=True)
    assert "Brouillon" not in member_client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("page_path, url", [
    ("index.md", "/"), ("fiches/index.md", "/fiches/"), ("fiches/vae.md", "/fiches/vae/"),
    ("outils/numerique/grille.md", "/outils/numerique/grille/"),
])
def test_page_urls_follow_mkdocs_directory_urls(page_path, url):
    from auth_gateway.builder import page_url

    assert page_url(page_path) == url
