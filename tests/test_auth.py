from datetime import timedelta

import pytest
from sqlalchemy import update

from auth_gateway.models import LoginFailure, Member, Status
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, login, logout


def test_login_page_is_french_and_public(client):
    response = client.get("/-/connexion")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html and "Adresse e-mail professionnelle" in html and "Mot de passe" in html


def test_anonymous_visitor_is_sent_to_login_with_next(client):
    response = client.get("/fiches/premier-entretien/?onglet=1")
    assert response.status_code == 302
    assert response.location == "/-/connexion?next=/fiches/premier-entretien/?onglet%3D1"


def test_login_then_page_then_logout(client, member):
    response = login(client, member.email, next_url="/fiches/premier-entretien/")
    assert response.status_code == 302 and response.location == "/fiches/premier-entretien/"
    page = client.get("/fiches/premier-entretien/")
    assert page.status_code == 200 and member.display_name in page.get_data(as_text=True)
    assert logout(client).location == "/-/connexion"
    assert client.get("/fiches/premier-entretien/").status_code == 302


@pytest.mark.parametrize("email, password", [
    ("membre1@francetravail.fr", "mauvais mot de passe"),
    ("personne@francetravail.fr", PASSWORD),
])
def test_wrong_credentials_get_one_generic_french_message(client, member, email, password):
    response = login(client, email, password)
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    # The e-mail typed is kept in the form; the password is not echoed.
    assert f'value="{email}"' in response.get_data(as_text=True) and password not in response.get_data(as_text=True)


def test_empty_fields_get_french_errors(client):
    page = client.get("/-/connexion").get_data(as_text=True)
    response = client.post("/-/connexion", data={"csrf_token": csrf_token(page), "email": "", "password": ""})
    assert response.status_code == 400 and "Ce champ est obligatoire." in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused_in_french(client, member):
    response = client.post("/-/connexion", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 400 and "Le formulaire a expiré" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_suspended_member_cannot_log_in(client, make_member):
    suspended = make_member(status=Status.SUSPENDED)
    assert login(client, suspended.email).status_code == 401


def test_failed_logins_are_limited_per_account_then_allowed_again(app, client, member, services):
    for _ in range(app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
        assert login(client, member.email, "mauvais mot de passe").status_code == 401
    throttled = login(client, member.email)  # even the right password waits
    assert throttled.status_code == 429 and "Trop de tentatives" in throttled.get_data(as_text=True)
    # No permanent lockout: once the failures are older than the window, it works again.
    with services.database.write() as session:
        for failure in session.query(LoginFailure):
            failure.at -= timedelta(hours=1)
    assert login(client, member.email).status_code == 302


def test_failed_logins_are_limited_per_address_across_accounts(app, client, make_member):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = 3
    for number in range(3):
        login(client, f"inconnu{number}@apec.fr", "mauvais mot de passe")
    assert login(client, make_member().email).status_code == 429


@pytest.mark.parametrize("target", [
    "//evil.example", "//evil.example/fiches/", "/\\evil.example", "\\\\evil.example", "https://evil.example/",
    "\njavascript:alert(1)", "javascript:alert(1)", "/%0a//evil.example".replace("%0a", "\n"), "///evil.example",
    "/\t/evil.example", "http:/evil.example", "evil.example",
])
def test_next_never_leaves_the_site(client, member, target):
    response = login(client, member.email, next_url=target)
    assert response.status_code == 302 and response.location == "/"


def test_next_inside_the_site_is_followed(client, member):
    assert login(client, member.email, next_url="/fiches/?a=1").location == "/fiches/?a=1"


def test_logout_is_a_post_with_csrf(member_client):
    assert member_client.get("/-/deconnexion").status_code in (404, 405)
    assert member_client.post("/-/deconnexion").status_code == 400
    assert member_client.get("/").status_code == 200


def test_copied_session_and_remember_cookies_die_at_logout(app, client, member):
    login(client, member.email, remember=True)
    copied = {c.key: c.value for c in client._cookies.values()}
    assert "entrepairs_remember" in copied
    logout(client)
    thief = app.test_client()
    for name, value in copied.items():
        thief.set_cookie(name, value)
    assert thief.get("/").status_code == 302
    only_remember = app.test_client()
    only_remember.set_cookie("entrepairs_remember", copied["entrepairs_remember"])
    assert only_remember.get("/").status_code == 302


def test_suspension_ends_open_sessions_at_once(member_client, member, services):
    assert member_client.get("/").status_code == 200
    with services.database.write() as session:
        session.execute(update(Member).where(Member.id == member.id).values(status=Status.SUSPENDED))
    assert member_client.get("/").status_code == 302


def test_cookies_are_httponly_samesite_and_secure_over_https(instance, member):
    from auth_gateway import create_app

    for public_url, secure in (("http://127.0.0.1:8000", False), ("https://entrepairs.example", True)):
        app = create_app({"INSTANCE_PATH": str(instance.root), "PUBLIC_URL": public_url})
        client = app.test_client()
        response = login(client, member.email, remember=True)
        cookies = response.headers.getlist("Set-Cookie")
        assert len(cookies) == 2
        for cookie in cookies:
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
            assert ("Secure" in cookie) is secure
        app.extensions["entrepairs"].database.dispose()


def test_an_attacker_cannot_lock_the_owner_out(app, member):
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_LIMIT_PER_ACCOUNT"] + 2):
        login(attacker, member.email, "mauvais mot de passe")
    assert login(attacker, member.email).status_code == 429  # the attacker's address waits
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert login(owner, member.email).status_code == 302  # she logs in from her own address
    # Once the account is past its limit, a new address gets one try only.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.11"
    assert login(other, member.email, "mauvais mot de passe").status_code == 401
    assert login(other, member.email, "encore faux").status_code == 429


def test_concurrent_failed_logins_cannot_exceed_the_limit(app, member):
    import threading

    app.config["LOGIN_LIMIT_PER_ADDRESS"] = 5
    statuses = []

    def attempt():
        statuses.append(login(app.test_client(), member.email, "mauvais mot de passe").status_code)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(401) == 5 and statuses.count(429) == 7


@pytest.mark.parametrize("change", ["suspend", "set_password"])
def test_suspension_and_password_change_kill_copied_cookies_for_good(app, client, member, services, change):
    from auth_gateway import members

    login(client, member.email, remember=True)
    copied = {c.key: c.value for c in client._cookies.values()}
    with services.database.write() as session:
        if change == "suspend":
            members.set_status(session, member.email, Status.SUSPENDED)
            members.set_status(session, member.email, Status.ACTIVE)  # reactivated: old cookies stay dead
        else:
            members.set_password(session, member.email, "un tout nouveau mot de passe")
    thief = app.test_client()
    for name, value in copied.items():
        thief.set_cookie(name, value)
    assert thief.get("/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_session_token_dies_after_the_remember_duration_whatever_the_cookie_says(app, client, member, services):
    login(client, member.email, remember=True)
    assert client.get("/").status_code == 200
    max_age = app.config["REMEMBER_COOKIE_DURATION"]
    with services.database.write() as session:
        session.execute(update(Member).values(session_started_at=Member.session_started_at - int(max_age.total_seconds()) - 1))
    assert client.get("/").status_code == 302
    # Logging in again starts a new token.
    assert login(client, member.email).status_code == 302 and client.get("/").status_code == 200
