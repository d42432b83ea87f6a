"""Searching from the header's box, and similar topics before posting, in a real browser."""

import pytest

from tests.browser.test_reading import log_in, serious_violations

pytestmark = pytest.mark.browser


def test_header_search_box_and_similar_topics(page, live_server):
    log_in(page, live_server, "/fiches/")
    page.wait_for_url("**/fiches/")
    page.get_by_label("Rechercher dans la communauté").fill("evaluation competences")
    page.keyboard.press("Enter")
    page.wait_for_url("**/-/recherche?**")
    assert page.get_by_role("heading", name="Recherche").is_visible()
    first = page.locator(".ep-topics > li").first
    assert first.locator("mark").count() >= 1
    assert serious_violations(page) == []
    assert page.csp_violations == []
    page.goto(f"{live_server['url']}/-/forum/nouveau")
    page.get_by_label("Titre du sujet").fill("Financer un bilan de compétences")
    page.get_by_label("Votre question ou votre message (Markdown accepté)").fill("Quelles pistes ?")
    page.get_by_role("button", name="Prévisualiser").click()
    assert page.get_by_role("heading", name="Déjà abordé ?", exact=False).is_visible()
    assert page.locator("#deja-aborde + ul li").count() >= 1
    assert page.locator("#deja-aborde + ul mark").count() >= 1
