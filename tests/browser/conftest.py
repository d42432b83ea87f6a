"""Browser fixtures: the gateway as `entrepairs serve` runs it, and Debian's chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from auth_gateway import create_app, migrate, publish
from auth_gateway.instance import init_instance
from auth_gateway.members import add_member
from auth_gateway.models import Role
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium; missing, it fails in CI and skips elsewhere."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} not found: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def inbox():
    """A real SMTP server on loopback receiving the live server's e-mails."""
    from tests import mailserver

    controller, received, url = mailserver.start()
    received.url = url
    yield received
    controller.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, inbox):
    """A demo-like community (real starter, an advisor, an animator) served by gunicorn on
    loopback, sending its e-mails to ``inbox``."""
    root = tmp_path_factory.mktemp("browser") / "instance"
    paths, _ = init_instance(root)
    app = create_app({"INSTANCE_PATH": str(root)})
    services = app.extensions["entrepairs"]
    migrate.upgrade(services.database)
    publish.publish(paths, services.database)
    with services.database.write() as session:
        add_member(session, services.community, email="sophie.lefevre@missionlocale.example", name="Sophie Lefèvre",
                   structure="Mission locale", region="Bourgogne-Franche-Comté", password=PASSWORD)
        add_member(session, services.community, email="karim.benali@francetravail.example", name="Karim Benali",
                   structure="France Travail", region="Provence-Alpes-Côte d'Azur", password=PASSWORD,
                   role=Role.ANIMATOR)
    services.database.dispose()
    port = _free_port()
    entrepairs = shutil.which("entrepairs", path=str(Path(sys.executable).parent))
    environment = {**os.environ, "ENTREPAIRS_SMTP_URL": inbox.url, "ENTREPAIRS_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen([entrepairs, "--instance", str(root), "serve", "--port", str(port), "--workers", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/-/connexion", timeout=2).close()
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the gateway did not start") from None
            time.sleep(0.2)
    yield {"url": url, "email": "sophie.lefevre@missionlocale.example", "password": PASSWORD,
           "animator": "karim.benali@francetravail.example", "root": root}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page; CSP violations reported by the console are collected."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.csp_violations.append(message.text))
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
