"""Joining in a real browser: request -> e-mail confirmation -> animator approval -> first
login; and an invitation -> choosing a password. E-mails go through a real SMTP server."""

import re
import time

import pytest

from tests.browser.test_reading import log_in, serious_violations

pytestmark = pytest.mark.browser


def wait_for_mail(inbox, to, subject_part, timeout=15):
    """Return the first message to ``to`` whose subject contains ``subject_part`` (polls)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in inbox.messages:
            if message["To"] == to and subject_part in message["Subject"]:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no mail '{subject_part}' to {to}")


def link_of(inbox, message):
    return re.search(r"https?://\S+", inbox.text(message)).group(0)


def test_join_confirm_approval_first_login(browser, live_server, inbox, artifacts):
    visitor = browser.new_context(locale="fr-FR").new_page()
    visitor.goto(f"{live_server['url']}/-/connexion")
    visitor.get_by_role("link", name="Demander à rejoindre").click()
    assert serious_violations(visitor) == []
    visitor.get_by_label("Adresse e-mail professionnelle").fill("nadia.haddad@francetravail.fr")
    visitor.get_by_label("Prénom et nom").fill("Nadia Haddad")
    visitor.get_by_label("Structure (employeur)").select_option("France Travail")
    visitor.get_by_label("Région").select_option("Provence-Alpes-Côte d'Azur")
    visitor.get_by_label("Intitulé de poste").fill("Conseillère en évolution professionnelle")
    visitor.locator("input[name=q_practices][value=oui]").check()
    visitor.locator("input[name=q_manages][value=non]").check()
    visitor.screenshot(path=str(artifacts / "desktop-join.png"), full_page=True)
    visitor.get_by_role("button", name="Envoyer ma demande").click()
    assert visitor.get_by_role("heading", name="Vérifiez votre messagerie").is_visible()

    confirmation = wait_for_mail(inbox, "nadia.haddad@francetravail.fr", "confirmez votre adresse")
    visitor.goto(link_of(inbox, confirmation))
    assert visitor.get_by_role("heading", name="Adresse confirmée").is_visible()

    animator = browser.new_context(locale="fr-FR").new_page()
    log_in(animator, live_server, "/-/membres/demandes", email=live_server["animator"])
    animator.wait_for_url("**/-/membres/demandes")
    request = animator.locator("li", has_text="Nadia Haddad")
    assert "adresse du domaine de la structure" in request.inner_text()
    assert serious_violations(animator) == []
    request.get_by_role("button", name="Accepter").click()
    assert animator.get_by_text("Aucune demande en attente.").is_visible()

    invitation = wait_for_mail(inbox, "nadia.haddad@francetravail.fr", "Invitation")
    visitor.goto(link_of(inbox, invitation))
    visitor.get_by_label("Nouveau mot de passe", exact=True).fill("le soleil se lève sur la Canebière")
    visitor.get_by_label("Confirmez le nouveau mot de passe").fill("le soleil se lève sur la Canebière")
    visitor.get_by_role("button", name="Entrer dans la communauté").click()
    visitor.wait_for_url(f"{live_server['url']}/")
    assert visitor.get_by_text("Connecté·e en tant que Nadia Haddad").is_visible()


def test_forgotten_password_by_email(browser, live_server, inbox):
    page = browser.new_context(locale="fr-FR").new_page()
    page.goto(f"{live_server['url']}/-/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    assert serious_violations(page) == []
    page.get_by_label("Adresse e-mail professionnelle").fill(live_server["email"])
    page.get_by_role("button", name="Recevoir un lien").click()
    assert page.get_by_text("Si cette adresse correspond à un compte actif").is_visible()
    message = wait_for_mail(inbox, live_server["email"], "nouveau mot de passe")
    page.goto(link_of(inbox, message))
    page.get_by_label("Nouveau mot de passe", exact=True).fill(live_server["password"] + " encore")
    page.get_by_label("Confirmez le nouveau mot de passe").fill(live_server["password"] + " encore")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    assert page.get_by_text("Votre mot de passe a été changé").is_visible()
    live_server["password"] += " encore"  # later tests log in with the new one
