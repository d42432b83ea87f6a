"""Benchmark the gateway's authenticated page path against nginx serving the same build.

Run from the project root with the project's venv:

    .venv/bin/python bench/serve.py [--duration 10] [--connections 16] [--pages 1000]

Scenarios, in one run (see bench/README.md):

1. starter site: `entrepairs init --demo` in a temporary instance, `entrepairs serve`
   (gunicorn), log in as a demo member, then `wrk` on one sheet with the session
   cookie; nginx serves the same live build statically and gets the same `wrk` run.
2. generated site: a second instance, N generated sheets committed to its content repo,
   `entrepairs build` timed, then the same gateway-vs-nginx comparison on one
   generated sheet.

Only the standard library is used here; every server started is stopped at the end,
even on error, and every request goes to 127.0.0.1.
"""

import argparse
import html.parser
import http.client
import http.cookies
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
COOKIE_NAME = "entrepairs_session"
HEADER_MARKER = "<!--entrepairs:header-->"
STARTER_PAGE = "/fiches/premier-entretien/"
TARGET_RATIO = 0.1
TARGET_P99_MS = 30.0
APT_HINT = "apt-get install nginx-light wrk"


class BenchError(Exception):
    """A step of the benchmark failed; the message says which and why."""


# --------------------------------------------------------------------------- tools


def find_tool(name, *fallbacks):
    """Return the path of an executable, looking in PATH then in ``fallbacks``."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in fallbacks:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def entrepairs_command():
    """Return the `entrepairs` executable of the running venv."""
    beside = Path(sys.executable).parent / "entrepairs"
    if os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("entrepairs")
    if found:
        return found
    raise BenchError(f"no `entrepairs` command beside {sys.executable} nor in PATH: "
                     "run with the project's venv (.venv/bin/python bench/serve.py)")


def clean_env():
    """The environment of the servers: no ENTREPAIRS_* override, no proxy variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ENTREPAIRS_") and k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.setdefault("LANG", "C.UTF-8")
    return env


def run(command, *, timeout, stdin_text=None, cwd=None, check=True):
    """Run a command to completion (bounded by ``timeout``); return its CompletedProcess."""
    try:
        done = subprocess.run(command, input=stdin_text, capture_output=True, text=True, timeout=timeout,
                              cwd=cwd, env=clean_env())
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"timed out after {timeout}s: {shlex.join(command)}") from error
    if check and done.returncode != 0:
        raise BenchError(f"exit code {done.returncode}: {shlex.join(command)}\n"
                         f"--- stdout ---\n{done.stdout.strip()}\n--- stderr ---\n{done.stderr.strip()}")
    return done


def free_port():
    """Return a TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------- servers


class Server:
    """A server process started by the benchmark, in its own process group."""

    def __init__(self, name, command, log_path, cwd=None):
        self.name = name
        self.command = command
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, cwd=cwd, env=clean_env(),
                                        start_new_session=True)

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        """SIGTERM the group, wait up to 10 s, then SIGKILL it."""
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    print(f"  warning: {self.name} (pid {self.process.pid}) did not stop", file=sys.stderr)
        # Children of the group (gunicorn workers, nginx workers) left behind, if any.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()

    def _signal(self, signum):
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass


def http_request(port, method, path, *, headers=None, body=None, timeout=10):
    """One request to 127.0.0.1:port; return (status, headers list, body bytes)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def wait_until_answers(server, port, path, *, timeout=60):
    """Poll ``path`` until the server answers (any HTTP status); bounded by ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if not server.alive():
            raise BenchError(f"{server.name} exited (code {server.process.returncode}) before answering.\n"
                             f"--- {server.log_path} ---\n{tail(server.log_path)}")
        try:
            status, _, _ = http_request(port, "GET", path, timeout=2)
            return status
        except (OSError, http.client.HTTPException) as error:
            last_error = error
            time.sleep(0.2)
    raise BenchError(f"{server.name} did not answer on {HOST}:{port} within {timeout}s ({last_error}).\n"
                     f"--- {server.log_path} ---\n{tail(server.log_path)}")


def start_gateway(entrepairs, instance, workdir, workers):
    port = free_port()
    command = [entrepairs, "--instance", str(instance), "serve", "--host", HOST, "--port", str(port),
               "--workers", str(workers)]
    server = Server("gateway (gunicorn)", command, workdir / f"gunicorn-{port}.log")
    server.port = port
    return server


NGINX_CONF = """\
daemon off;
{user}worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    {mime}
    default_type application/octet-stream;
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;

    server {{
        listen {host}:{port};
        root {root};
        index index.html;
    }}
}}
"""


CEILING_APP = """\
import os
BODY = open(os.environ["BENCH_BODY"], "rb").read()
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))])
    return [BODY]
"""


def start_ceiling(entrepairs, body, workdir, workers):
    """gunicorn as `entrepairs serve` runs it (sync workers, access log), on a WSGI app that does no work."""
    port = free_port()
    (workdir / "ceiling_app.py").write_text(CEILING_APP, encoding="utf-8")
    (workdir / "ceiling_body.html").write_bytes(body)
    gunicorn = str(Path(entrepairs).parent / "gunicorn")
    command = [gunicorn, "--workers", str(workers), "--worker-class", "sync", "--bind", f"{HOST}:{port}",
               "--access-logfile", "-", "--env", f"BENCH_BODY={workdir / 'ceiling_body.html'}", "ceiling_app:app"]
    server = Server("gunicorn ceiling", command, workdir / f"ceiling-{port}.log", cwd=workdir)
    server.port = port
    return server


def start_nginx(nginx, site_root, workdir, workers):
    port = free_port()
    tmp = workdir / f"nginx-{port}"
    tmp.mkdir()
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else \
        "types { text/html html; text/css css; application/javascript js; }"
    conf = tmp / "nginx.conf"
    # The instance folder is its owner's only (0700): as root, nginx workers must run as root too.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(user=user, workers=workers, tmp=tmp, mime=mime, host=HOST, port=port,
                                      root=site_root), encoding="utf-8")
    # -e: the startup error log goes to the temp dir too (never /var/log/nginx).
    command = [nginx, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")]
    server = Server("nginx", command, tmp / "stdout.log")
    server.port = port
    server.error_log = tmp / "error.log"
    return server


# --------------------------------------------------------------------------- login


class _CsrfFinder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.token = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token":
            self.token = attrs.get("value")


def _cookies(headers):
    jar = http.cookies.SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {key: morsel.value for key, morsel in jar.items()}


def login(port, email, password):
    """Log in through the form; return the value of the session cookie."""
    status, headers, body = http_request(port, "GET", "/-/connexion")
    if status != 200:
        raise BenchError(f"GET /-/connexion answered {status}, expected 200")
    cookies = _cookies(headers)
    finder = _CsrfFinder()
    finder.feed(body.decode("utf-8", errors="replace"))
    if not finder.token:
        raise BenchError("no csrf_token input in the login form")
    form = urlencode({"csrf_token": finder.token, "email": email, "password": password, "next": ""})
    cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, headers, body = http_request(port, "POST", "/-/connexion", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header})
    if status != 302:
        raise BenchError(f"POST /-/connexion as {email} answered {status}, expected 302 "
                         f"(body starts: {body[:300]!r})")
    session = _cookies(headers).get(COOKIE_NAME)
    if not session:
        raise BenchError(f"the login did not set the {COOKIE_NAME} cookie")
    return session


def check_gateway_page(port, path, session, display_name):
    """Check the authenticated and anonymous answers for ``path``; return the page's size."""
    status, headers, body = http_request(port, "GET", path, headers={"Cookie": f"{COOKIE_NAME}={session}"})
    if status != 200:
        raise BenchError(f"GET {path} with the session cookie answered {status}, expected 200")
    text = body.decode("utf-8", errors="replace")
    if HEADER_MARKER in text or display_name not in text:
        raise BenchError(f"GET {path}: the member's header was not put into the page "
                         f"(marker left: {HEADER_MARKER in text}, name {display_name!r} missing: "
                         f"{display_name not in text})")
    anon_status, anon_headers, _ = http_request(port, "GET", path)
    location = dict((k.lower(), v) for k, v in anon_headers).get("location", "")
    if anon_status != 302 or "/-/connexion" not in location:
        raise BenchError(f"GET {path} without cookie answered {anon_status} (Location: {location!r}), "
                         "expected 302 to /-/connexion")
    return len(body), anon_status, location


# --------------------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int = 0
    socket_errors: str = ""
    mb_read: str = ""
    command: list = field(default_factory=list)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _latency_ms(text):
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise BenchError(f"cannot read the latency {text!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output):
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in [^,]+, (\S+) read", output, re.M)
    if not (rps and p50 and p99 and total):
        raise BenchError(f"cannot parse wrk's output:\n{output}")
    non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(r"Socket errors:\s+(.+)", output)
    return WrkResult(float(rps[1]), _latency_ms(p50[1]), _latency_ms(p99[1]), int(total[1]),
                     int(non[1]) if non else 0, sock[1].strip() if sock else "", total[2])


def run_wrk(wrk, port, path, *, session, duration, connections, threads):
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if session:
        command += ["-H", f"Cookie: {COOKIE_NAME}={session}"]
    command.append(f"http://{HOST}:{port}{path}")
    done = run(command, timeout=duration + 60)
    result = parse_wrk(done.stdout)
    result.command = command
    return result


def shown_command(command):
    """The command line with the session cookie's value shortened (it is a credential)."""
    return shlex.join(re.sub(rf"({COOKIE_NAME}=)(\S{{8}})\S+", r"\1\2…", part) for part in command)


# --------------------------------------------------------------------------- gunicorn access log


_ACCESS = re.compile(r'"GET (\S+) HTTP/[0-9.]+" (\d{3}) \S+ (\d+)ms')


def access_log_statuses(log_path, start_offset, path):
    """Count the statuses of ``path`` in the gunicorn access log written after ``start_offset``."""
    with open(log_path, "rb") as log:
        log.seek(start_offset)
        text = log.read().decode("utf-8", errors="replace")
    counts = {}
    for match in _ACCESS.finditer(text):
        if match[1] == path:
            counts[match[2]] = counts.get(match[2], 0) + 1
    return counts


# --------------------------------------------------------------------------- comparison


@dataclass
class Comparison:
    scenario: str
    path: str
    gateway: WrkResult
    nginx: WrkResult
    ceiling: WrkResult

    @property
    def ratio(self):
        return self.gateway.requests_per_second / self.nginx.requests_per_second


def describe(label, result):
    extra = []
    if result.non_2xx_3xx:
        extra.append(f"NON-2xx/3xx: {result.non_2xx_3xx}")
    if result.socket_errors:
        extra.append(f"socket errors: {result.socket_errors}")
    print(f"  {label:<8} {result.requests_per_second:>10.1f} req/s   p50 {result.p50_ms:>8.2f} ms   "
          f"p99 {result.p99_ms:>8.2f} ms   ({result.requests} requests, {result.mb_read} read)"
          + (f"   {'; '.join(extra)}" if extra else ""))


def verdict(ok):
    return "PASS" if ok else "FAIL"


def compare(scenario, *, args, tools, instance, workdir, email, password, display_name, path):
    """Gateway then nginx on ``path`` of ``instance``'s live build; return a Comparison."""
    site_root = os.path.realpath(instance / "site")
    print(f"\n  live build: {site_root}")
    gateway = nginx = ceiling = None
    try:
        gateway = start_gateway(tools["entrepairs"], instance, workdir, args.workers)
        wait_until_answers(gateway, gateway.port, "/-/connexion")
        print(f"  gateway: gunicorn, {args.workers} sync workers, http://{HOST}:{gateway.port} "
              f"(pid {gateway.process.pid})")
        session = login(gateway.port, email, password)
        print(f"  logged in as {email}: {COOKIE_NAME} cookie received")
        size, anon_status, location = check_gateway_page(gateway.port, path, session, display_name)
        print(f"  check: GET {path} with cookie -> 200 ({size} bytes, member header put in); "
              f"without cookie -> {anon_status} to {location}")

        nginx = start_nginx(tools["nginx"], site_root, workdir, args.nginx_workers)
        status = wait_until_answers(nginx, nginx.port, path)
        if status != 200:
            raise BenchError(f"nginx answered {status} for {path}, expected 200.\n"
                             f"--- {nginx.error_log} ---\n{tail(nginx.error_log)}")
        _, _, static_body = http_request(nginx.port, "GET", path)
        print(f"  nginx: {args.nginx_workers} workers, http://{HOST}:{nginx.port} (pid {nginx.process.pid}), "
              f"GET {path} -> 200 ({len(static_body)} bytes, static file)")

        threads = min(args.threads, args.connections)
        offset = gateway.log_path.stat().st_size
        print(f"  wrk on the gateway ({args.duration}s)...", flush=True)
        gw = run_wrk(tools["wrk"], gateway.port, path, session=session, duration=args.duration,
                     connections=args.connections, threads=threads)
        time.sleep(0.5)  # let the last access-log lines land
        statuses = access_log_statuses(gateway.log_path, offset, path)
        print(f"  wrk on nginx ({args.duration}s)...", flush=True)
        ng = run_wrk(tools["wrk"], nginx.port, path, session=None, duration=args.duration,
                     connections=args.connections, threads=threads)

        # The session must still be valid: otherwise the run measured redirects, not pages.
        after, _, page_body = http_request(gateway.port, "GET", path, headers={"Cookie": f"{COOKIE_NAME}={session}"})
        # The ceiling of the server itself: the same gunicorn, the same bytes, no work at all.
        ceiling = start_ceiling(tools["entrepairs"], page_body, workdir, args.workers)
        wait_until_answers(ceiling, ceiling.port, "/")
        print(f"  wrk on the gunicorn ceiling ({args.duration}s)...", flush=True)
        cl = run_wrk(tools["wrk"], ceiling.port, "/", session=None, duration=args.duration,
                     connections=args.connections, threads=threads)
        print(f"  command: {shown_command(gw.command)}")
        print(f"  command: {shown_command(ng.command)}")
        describe("gateway", gw)
        describe("nginx", ng)
        describe("ceiling", cl)
        shown = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items())) or "none logged"
        print(f"  gateway access log during the run, {path}: {shown}; after the run, with cookie: {after}")
        if set(statuses) - {"200"} or after != 200:
            print("  WARNING: the gateway answered something else than 200 during the run")
        result = Comparison(scenario, path, gw, ng, cl)
        print(f"  ceiling = gunicorn ({args.workers} sync workers, access log) serving the same bytes with no "
              f"work: {cl.requests_per_second / ng.requests_per_second:.3f}x nginx; the gateway reaches "
              f"{gw.requests_per_second / cl.requests_per_second:.0%} of it")
        print(f"  ratio gateway/nginx: {result.ratio:.3f}x   (target >= {TARGET_RATIO}x: "
              f"{verdict(result.ratio >= TARGET_RATIO)});   gateway p99 {gw.p99_ms:.2f} ms "
              f"(target < {TARGET_P99_MS:.0f} ms at {args.connections} connections: "
              f"{verdict(gw.p99_ms < TARGET_P99_MS)})")
        return result
    finally:
        for server in (ceiling, nginx, gateway):
            if server is not None:
                server.stop()


# --------------------------------------------------------------------------- generated site

_THEMES = [
    "accueil et premier contact", "diagnostic de situation", "construction du projet", "financement",
    "formation continue", "validation des acquis", "mobilité géographique", "reconversion",
    "création d'entreprise", "publics jeunes", "seniors en transition", "handicap et emploi",
    "cadres et managers", "métiers en tension", "outils numériques", "travail en réseau",
]
_SECTIONS = ["Contexte", "Objectifs de l'accompagnement", "Déroulé conseillé", "Points de vigilance",
             "Ressources mobilisables", "Suivi et évaluation", "Exemples de situations", "Pour aller plus loin"]
_SUBJECTS = ["Le conseiller", "La personne accompagnée", "L'employeur", "Le bénéficiaire", "La conseillère",
             "L'équipe", "Le financeur", "Le réseau des partenaires", "La structure", "Le référent"]
_VERBS = ["identifie", "formalise", "examine", "valorise", "prépare", "construit", "analyse", "partage",
          "précise", "mobilise", "reformule", "vérifie", "accompagne", "documente", "explore"]
_OBJECTS = ["les compétences transférables", "le projet professionnel", "les freins périphériques",
            "les besoins de formation", "le plan d'action", "les attentes de la personne",
            "les ressources du territoire", "le calendrier des démarches", "les pistes de métiers",
            "la synthèse écrite", "les modalités de financement", "le parcours antérieur",
            "les motivations profondes", "les contraintes familiales", "l'environnement de travail"]
_TAILS = ["au cours du premier entretien", "avec l'accord de la personne", "en lien avec les partenaires",
          "dans le respect de la confidentialité", "avant la prochaine étape", "à partir des éléments recueillis",
          "en tenant compte du marché local", "selon le cahier des charges du CEP", "de manière progressive",
          "en s'appuyant sur des exemples concrets", "sans précipiter la décision", "avec des outils adaptés"]


def _sentence(rng):
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}."


def generated_sheet(rng, number, theme, words=600):
    """Return a French-looking sheet of about ``words`` words, in four H2 sections, without links.

    Links are left out on purpose: the build is strict, and a sheet without links cannot break it.
    """
    intro = f"Cette fiche pratique traite de {theme} dans le conseil en évolution professionnelle."
    lines = [f"# Fiche {number:04d} : {theme}", "", intro, ""]
    sections = rng.sample(_SECTIONS, 4)
    per_section = (words - len(intro.split())) // len(sections)
    for index, title in enumerate(sections):
        lines += [f"## {title}", ""]
        written = len(title.split())
        if index == 1:  # one bulleted list per sheet
            items = [f"- {_sentence(rng)}" for _ in range(4)]
            lines += items + [""]
            written += sum(len(item.split()) - 1 for item in items)
        while written < per_section:
            paragraph = []
            for _ in range(rng.randint(3, 5)):
                if written >= per_section:
                    break
                sentence = _sentence(rng)
                paragraph.append(sentence)
                written += len(sentence.split())
            lines += [" ".join(paragraph), ""]
    return "\n".join(lines)


def generate_pages(docs_dir, pages, per_theme=25, seed=2024):
    """Write ``pages`` sheets into docs/fiches/theme-XX/fiche-YYYY.md; return their URLs."""
    rng = random.Random(seed)
    urls = []
    for number in range(1, pages + 1):
        theme_number = (number - 1) // per_theme + 1
        theme = _THEMES[(theme_number - 1) % len(_THEMES)]
        folder = docs_dir / "fiches" / f"theme-{theme_number:02d}"
        if not folder.exists():
            folder.mkdir(parents=True)
            (folder / "index.md").write_text(
                f"# Thème {theme_number:02d} : {theme}\n\nLes fiches de ce thème, dans le menu.\n", encoding="utf-8")
        name = f"fiche-{number:04d}"
        (folder / f"{name}.md").write_text(generated_sheet(rng, number, theme), encoding="utf-8")
        urls.append(f"/fiches/theme-{theme_number:02d}/{name}/")
    return urls


def folder_size(root):
    total = files = 0
    for directory, _, names in os.walk(root):
        for name in names:
            total += os.lstat(os.path.join(directory, name)).st_size
            files += 1
    return total, files


# --------------------------------------------------------------------------- scenarios


def read_demo_accounts(instance):
    """Parse demo-accounts.yml (a flat YAML list of mappings) without needing PyYAML here."""
    try:
        import yaml  # the venv has it (a dependency of the gateway)
        return yaml.safe_load((instance / "demo-accounts.yml").read_text(encoding="utf-8"))
    except ImportError:
        raise BenchError("PyYAML missing: run with the project's venv") from None


def scenario_starter(args, tools, workdir):
    print("\n## 1. Starter site (entrepairs init --demo)")
    instance = workdir / "starter-instance"
    started = time.perf_counter()
    done = run([tools["entrepairs"], "--instance", str(instance), "init", "--demo"], timeout=300)
    print(f"  init --demo: {time.perf_counter() - started:.1f} s")
    accounts = read_demo_accounts(instance)
    account = next((a for a in accounts if a.get("role") == "member"), accounts[0])
    print(f"  demo account used: {account['email']} (role {account['role']})")
    if not (instance / "site").is_symlink():
        raise BenchError(f"no live site after init:\n{done.stdout}")
    return compare("Starter site", args=args, tools=tools, instance=instance, workdir=workdir,
                   email=account["email"], password=account["password"], display_name=account["name"],
                   path=args.starter_page)


def scenario_generated(args, tools, workdir):
    print(f"\n## 2. Generated site ({args.pages} sheets)")
    instance = workdir / "generated-instance"
    run([tools["entrepairs"], "--instance", str(instance), "init"], timeout=300)
    email, name, password = "bench.membre@francetravail.fr", "Camille Bench", "mot-de-passe-du-banc"
    run([tools["entrepairs"], "--instance", str(instance), "member", "add", "--email", email, "--name", name,
         "--structure", "France Travail", "--region", "Auvergne-Rhône-Alpes", "--password-stdin"],
        timeout=60, stdin_text=password + "\n")
    print(f"  member added: {email}")
    content = instance / "content"
    urls = generate_pages(content / "docs", args.pages)
    sources = sorted((content / "docs" / "fiches").glob("theme-*/fiche-*.md"))
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in sources) / max(len(sources), 1)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false"]
    run(git + ["add", "-A"], cwd=content, timeout=120)
    run(git + ["commit", "-q", "--no-verify", "-m", f"bench: {args.pages} generated sheets"], cwd=content,
        timeout=120)
    themes = len({u.split("/")[2] for u in urls})
    print(f"  generated {len(urls)} sheets (~{words:.0f} words each) in {themes} folders docs/fiches/theme-XX/, "
          "committed")
    started = time.perf_counter()
    done = run([tools["entrepairs"], "--instance", str(instance), "build"], timeout=1800)
    build_seconds = time.perf_counter() - started
    size, files = folder_size(os.path.realpath(instance / "site"))
    print(f"  entrepairs build: {build_seconds:.1f} s wall clock ({done.stdout.strip()})")
    print(f"  build folder: {size / 1e6:.1f} MB in {files} files")
    path = urls[len(urls) // 2]
    comparison = compare(f"{args.pages} generated pages", args=args, tools=tools, instance=instance,
                         workdir=workdir, email=email, password=password, display_name=name, path=path)
    return comparison, build_seconds, size, files


# --------------------------------------------------------------------------- report


def markdown_table(comparisons, args):
    rows = [f"| Scenario (wrk -c{args.connections}, {args.duration}s) | Gateway req/s | Gateway p50 | Gateway p99 "
            "| nginx req/s | nginx p50 | nginx p99 | Ratio | gunicorn ceiling req/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in comparisons:
        if isinstance(c, str):
            rows.append(f"| {c} | failed | | | | | | | |")
            continue
        g, n = c.gateway, c.nginx
        rows.append(f"| {c.scenario} (`{c.path}`) | {g.requests_per_second:,.0f} | {g.p50_ms:.2f} ms "
                    f"| {g.p99_ms:.2f} ms | {n.requests_per_second:,.0f} | {n.p50_ms:.2f} ms | {n.p99_ms:.2f} ms "
                    f"| {c.ratio:.3f}x | {c.ceiling.requests_per_second:,.0f} |")
    return "\n".join(rows)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--pages", type=int, default=1000, help="sheets of the generated site (default 1000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--nginx-workers", type=int, default=2, help="nginx worker_processes (default 2)")
    parser.add_argument("--starter-page", default=STARTER_PAGE, help=f"page of the starter (default {STARTER_PAGE})")
    parser.add_argument("--skip-starter", action="store_true", help="skip scenario 1")
    parser.add_argument("--skip-generated", action="store_true", help="skip scenario 2")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (instances, logs)")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 1 or args.threads < 1 or args.pages < 1:
        parser.error("--duration, --connections, --threads and --pages must be >= 1")
    return args


def print_run_header(title, *, sharing):
    """Print the report's title, the exact command line, the working folder and the core count."""
    print(title)
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"cwd: {os.getcwd()}")
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cores: {os.cpu_count()} (usable by this process: {affinity}); {sharing} share them")


def wrk_version(wrk):
    """Return wrk's version line (without its copyright)."""
    return run([wrk, "--version"], timeout=10, check=False).stdout.splitlines()[0].split(" Copyright")[0]


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    print_run_header("# entrepairs serving benchmark", sharing="wrk, gunicorn and nginx")

    nginx = find_tool("nginx", "/usr/sbin/nginx")
    wrk = find_tool("wrk", "/usr/bin/wrk")
    missing = [name for name, found in (("nginx", nginx), ("wrk", wrk)) if not found]
    if missing:
        print(f"error: {' and '.join(missing)} not found; install with: {APT_HINT}", file=sys.stderr)
        return 2
    try:
        tools = {"entrepairs": entrepairs_command(), "nginx": nginx, "wrk": wrk}
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    versions = [run([nginx, "-v"], timeout=10, check=False).stderr.strip(), wrk_version(wrk)]
    print(f"python: {sys.version.split()[0]}; {'; '.join(versions)}")
    print(f"settings: wrk -t{min(args.threads, args.connections)} -c{args.connections} -d{args.duration}s; "
          f"gunicorn {args.workers} sync workers; nginx {args.nginx_workers} workers; {args.pages} generated pages")

    workdir = Path(tempfile.mkdtemp(prefix="entrepairs-bench-"))
    # nginx's workers run as an unprivileged user when started as root: let them read the builds.
    workdir.chmod(0o755)
    print(f"temporary folder: {workdir}")
    comparisons, build = [], None
    failed = False
    try:
        if not args.skip_starter:
            try:
                comparisons.append(scenario_starter(args, tools, workdir))
            except BenchError as error:
                failed = True
                print(f"\n  SCENARIO FAILED: {error}")
                comparisons.append("Starter site")
        if not args.skip_generated:
            try:
                comparison, seconds, size, files = scenario_generated(args, tools, workdir)
                comparisons.append(comparison)
                build = (seconds, size, files)
            except BenchError as error:
                failed = True
                print(f"\n  SCENARIO FAILED: {error}")
                comparisons.append(f"{args.pages} generated pages")
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, nothing more measured", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"\n(kept {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print("\n## Summary\n")
    print(markdown_table(comparisons, args))
    print()
    if build:
        seconds, size, files = build
        print(f"Build of the {args.pages}-page site (`entrepairs build`, wall clock): {seconds:.1f} s, "
              f"{size / 1e6:.1f} MB in {files} files.")
    measured = [c for c in comparisons if not isinstance(c, str)]
    for c in measured:
        print(f"Targets, {c.scenario}: ratio {c.ratio:.3f}x >= {TARGET_RATIO}x {verdict(c.ratio >= TARGET_RATIO)}; "
              f"gateway p99 {c.gateway.p99_ms:.2f} ms < {TARGET_P99_MS:.0f} ms "
              f"{verdict(c.gateway.p99_ms < TARGET_P99_MS)}")
    print(f"Machine: {os.cpu_count()} cores; nginx access_log off, gunicorn access log on (its default).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
