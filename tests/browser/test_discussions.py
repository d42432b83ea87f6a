"""Discussing a sheet in a real browser: comment, preview, reply, react, edit; an animator
hides a reply and retains an answer; accessibility of a page with a thread and of the forum."""

import pytest

from tests.browser.test_reading import log_in, serious_violations

pytestmark = pytest.mark.browser
SHEET = "/fiches/vae/"


def test_discuss_a_sheet_then_moderate(browser, live_server, artifacts):
    advisor = browser.new_context(locale="fr-FR").new_page()
    csp_violations = []
    advisor.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text))
    log_in(advisor, live_server, SHEET)
    advisor.wait_for_url(f"**{SHEET}")
    assert advisor.get_by_text("Aucun commentaire pour l'instant").is_visible()
    form = advisor.locator("#commenter")
    form.get_by_label("Votre commentaire (Markdown accepté)").fill("Je vérifie **toujours** le livret 1 d'abord.")
    form.get_by_role("button", name="Prévisualiser").click()
    assert advisor.locator(".ep-preview strong").inner_text() == "toujours"
    advisor.locator("#commenter").get_by_role("button", name="Publier").click()
    first = advisor.locator(".ep-comments > li").first
    assert "Je vérifie toujours le livret 1 d'abord." in first.locator(".ep-comment__body").inner_text()
    assert "Sophie Lefèvre" in first.inner_text() and "Mission locale, Bourgogne-Franche-Comté" in first.inner_text()

    # Reply (a <details> form: no JavaScript needed), then react to the reply.
    first.locator("details.ep-reply > summary").first.click()
    first.get_by_label("Votre réponse à Sophie Lefèvre").fill("Et le jury, comment le préparez-vous ?")
    first.locator("details.ep-reply").get_by_role("button", name="Publier").click()
    reply = advisor.locator(".ep-replies > li").first
    assert "comment le préparez-vous" in reply.inner_text()
    reply.get_by_role("button", name="Merci (0)").click()
    assert advisor.locator(".ep-replies > li").first.get_by_text("Merci (1) (vous l'avez dit)").is_visible()

    # Edit the first comment.
    advisor.locator(".ep-comments > li").first.get_by_role("link", name="Modifier").first.click()
    advisor.get_by_label("Votre commentaire (Markdown accepté)").fill("Je vérifie d'abord la recevabilité.")
    advisor.get_by_role("button", name="Enregistrer").click()
    advisor.wait_for_url(f"**{SHEET}*")
    first = advisor.locator(".ep-comments > li").first
    assert "la recevabilité" in first.inner_text() and "(modifié)" in first.inner_text()
    assert advisor.get_by_text("2 commentaire(s)").first.is_visible()
    assert csp_violations == []
    assert serious_violations(advisor) == []
    advisor.locator("#discussion").screenshot(path=str(artifacts / "desktop-thread.png"))

    # The animator hides the reply with a reason and retains the first comment as the answer.
    animator = browser.new_context(locale="fr-FR").new_page()
    log_in(animator, live_server, SHEET, email=live_server["animator"])
    animator.wait_for_url(f"**{SHEET}")
    reply = animator.locator(".ep-replies > li").first
    reply.locator("details.ep-inline-details > summary", has_text="Masquer").click()
    reply.get_by_label("Raison du masquage (visible par l'auteur·rice)").fill("Hors sujet")
    reply.get_by_role("button", name="Masquer").click()
    assert animator.get_by_text("Masqué par l'animation : Hors sujet").is_visible()
    animator.locator(".ep-comments > li").first.get_by_role("button", name="Retenir comme réponse").first.click()
    assert animator.get_by_text("Ce fil est résolu.").is_visible()

    # The advisor still sees her hidden reply, marked; the count no longer includes it.
    advisor.reload()
    assert advisor.get_by_text("Masqué par l'animation : Hors sujet").is_visible()
    assert advisor.get_by_text("1 commentaire(s)").first.is_visible()
    assert advisor.get_by_text("Réponse retenue").is_visible()


def test_forum_list_and_new_topic_are_accessible(page, live_server, artifacts):
    log_in(page, live_server, "/-/forum")
    page.wait_for_url("**/-/forum")
    page.get_by_role("link", name="Ouvrir un sujet").click()
    page.get_by_label("Titre du sujet").fill("Comment présentez-vous le PTP aux employeurs ?")
    page.get_by_label("Catégorie").select_option(label="Questions de pratique")
    page.get_by_label("Votre question ou votre message (Markdown accepté)").fill("Vos *arguments* ?")
    page.get_by_role("button", name="Publier le sujet").click()
    assert page.get_by_role("heading", name="Comment présentez-vous le PTP aux employeurs ?").is_visible()
    page.get_by_role("link", name="Forum").first.click()
    assert page.get_by_text("Comment présentez-vous le PTP aux employeurs ?").is_visible()
    assert serious_violations(page) == []
    assert page.csp_violations == []
    page.screenshot(path=str(artifacts / "desktop-forum.png"), full_page=True)
