"""Small helpers shared by the integration tests."""

import re

from tests.conftest import PASSWORD


def csrf_token(html):
    """Return the CSRF token of the first form in ``html``."""
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def login(client, email, password=PASSWORD, remember=False, next_url=""):
    """Log in through the real form (GET for the token, then POST); return the POST response."""
    page = client.get("/-/connexion").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "email": email, "password": password, "next": next_url}
    if remember:
        data["remember"] = "y"
    return client.post("/-/connexion", data=data)


def logout(client):
    """Log out through the header's form of the home page."""
    page = client.get("/").get_data(as_text=True)
    return client.post("/-/deconnexion", data={"csrf_token": csrf_token(page)})
