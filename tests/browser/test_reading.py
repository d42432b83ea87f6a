"""An advisor's journey in a real browser: login, read, navigate, logout; accessibility."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def serious_violations(page):
    results = Axe().run(page, options=WCAG_AA)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def log_in(page, server, next_path="/", email=None):
    page.goto(f"{server['url']}{next_path}")
    page.get_by_label("Adresse e-mail professionnelle").fill(email or server["email"])
    page.get_by_label("Mot de passe").fill(server["password"])
    page.get_by_role("button", name="Se connecter").click()


def test_login_read_navigate_logout_and_back_shows_nothing(page, live_server, artifacts):
    page.goto(f"{live_server['url']}/fiches/vae/")
    assert "/-/connexion" in page.url
    assert page.get_by_role("heading", name="Connexion à la communauté").is_visible()
    page.screenshot(path=str(artifacts / "desktop-login.png"))
    log_in(page, live_server, "/fiches/vae/")
    page.wait_for_url("**/fiches/vae/")
    assert page.locator("article h1").first.inner_text().strip()
    assert page.get_by_text("Connecté·e en tant que Sophie Lefèvre").is_visible()
    # Navigate to another sheet through the site's navigation.
    page.locator("nav.md-nav--primary a[href*='premier-entretien']").first.click()
    page.wait_for_url("**/fiches/premier-entretien/")
    assert "Premier entretien" in page.locator("article h1").first.inner_text()
    assert page.csp_violations == []
    page.screenshot(path=str(artifacts / "desktop-sheet.png"))
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/-/connexion")
    assert page.get_by_text("Vous êtes déconnecté·e.").is_visible()
    page.go_back()
    page.wait_for_load_state()
    assert "/-/connexion" in page.url
    assert page.locator("article").count() == 0


def test_wrong_password_shows_a_french_error(page, live_server):
    page.goto(f"{live_server['url']}/-/connexion")
    page.get_by_label("Adresse e-mail professionnelle").fill(live_server["email"])
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").filter(has_text="Adresse e-mail ou mot de passe incorrect.").is_visible()


def test_login_page_and_sheet_have_no_serious_accessibility_violation(page, live_server):
    page.goto(f"{live_server['url']}/-/connexion")
    assert serious_violations(page) == []
    log_in(page, live_server, "/fiches/premier-entretien/")
    page.wait_for_url("**/fiches/premier-entretien/")
    assert serious_violations(page) == []


def test_phone_width_layout(browser, live_server, artifacts):
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server, "/fiches/premier-entretien/")
    page.wait_for_url("**/fiches/premier-entretien/")
    # No horizontal scrolling; the menu button and logout stay reachable.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    page.screenshot(path=str(artifacts / "phone-sheet.png"))
    page.locator("label.md-header__button[for='__drawer']").click()
    page.wait_for_timeout(400)  # the drawer slides in
    assert page.locator("nav.md-nav--primary").first.is_visible()
    page.screenshot(path=str(artifacts / "phone-navigation.png"))
    context.close()
