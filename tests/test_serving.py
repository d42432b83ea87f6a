import base64
import hashlib
import re
from html import unescape

import pytest

from auth_gateway import create_app
from auth_gateway.members import SignedInMember


def test_directory_urls_serve_index_and_redirect_without_slash(member_client):
    assert member_client.get("/").status_code == 200
    response = member_client.get("/fiches/premier-entretien")
    assert response.status_code == 301 and response.location == "/fiches/premier-entretien/"
    assert "Premier entretien" in member_client.get("/fiches/premier-entretien/index.html").get_data(as_text=True)


def test_missing_pages_get_the_sites_french_404(member_client):
    response = member_client.get("/fiches/introuvable/")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 404
    assert "<title>Page introuvable - " in html and "Cette page n'existe pas" in html
    assert 'class="md-header' in html and "Se déconnecter" in html  # the site's look, member menu
    assert "ENTREPAIRS_GATEWAY_TITLE" not in html and "<!--entrepairs:" not in html
    assert member_client.get("/404.html").status_code == 404


def test_html_is_never_cached_and_varies_on_cookie(member_client):
    response = member_client.get("/fiches/premier-entretien/")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in response.headers["Vary"]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_fingerprinted_assets_are_cached_privately_others_revalidated(member_client):
    page = member_client.get("/").get_data(as_text=True)
    bundle = re.search(r'src="(assets/javascripts/bundle\.[0-9a-f]{8}\.min\.js)"', page).group(1)
    with member_client.get("/" + bundle) as response:
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
        assert "private" in cache and "max-age=31536000" in cache and "public" not in cache
    with member_client.get("/sitemap.xml") as sitemap:
        assert sitemap.status_code == 200 and "no-cache" in sitemap.headers["Cache-Control"]
        assert "public" not in sitemap.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/", "/-/connexion", "/fiches/introuvable/", "/sitemap.xml", "/-/static/gateway.css"])
def test_security_headers_on_every_response(member_client, path):
    with member_client.get(path) as response:
        headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_page_csp_allows_exactly_the_pages_inline_scripts(member_client):
    response = member_client.get("/fiches/premier-entretien/")
    policy = response.headers["Content-Security-Policy"]
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", response.get_data(as_text=True), re.S):
        if "src=" in attrs or "application/json" in attrs:
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_background_requests_without_session_get_401_not_the_login_page(client):
    response = client.get("/fiches/premier-entretien/", headers={"Sec-Fetch-Mode": "cors"})
    assert response.status_code == 401 and response.data == b""


def test_without_a_build_members_get_a_french_503(instance, member):
    instance.live_site.unlink()
    app = create_app({"INSTANCE_PATH": str(instance.root)})
    from flask_login import FlaskLoginClient

    app.test_client_class = FlaskLoginClient
    response = app.test_client(user=SignedInMember.of(member)).get("/")
    assert response.status_code == 503 and "Site en préparation" in response.get_data(as_text=True)
    app.extensions["entrepairs"].database.dispose()


def test_settings_come_from_the_environment_over_the_instance_file(instance, monkeypatch):
    monkeypatch.setenv("ENTREPAIRS_LOGIN_LIMIT_PER_ACCOUNT", "7")
    monkeypatch.setenv("ENTREPAIRS_PUBLIC_URL", "https://cep.example")
    app = create_app({"INSTANCE_PATH": str(instance.root)})
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == 7 and app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["entrepairs"].database.dispose()


def test_an_instance_without_secret_key_refuses_to_start(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("path", ["/index.html/", "/404.html/", "/404.html", "/fiches/index.html/"])
def test_files_named_like_folders_and_the_shell_are_not_pages(member_client, path):
    assert member_client.get(path).status_code == 404


def test_instance_files_are_private_to_their_owner(instance):
    import stat

    assert stat.S_IMODE(instance.root.stat().st_mode) == 0o700
    for path in (instance.database_file, instance.settings_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
