"""Benchmark the discussions: what a page's thread costs, and how long posting a comment takes.

Run from the project root with the project's venv:

    .venv/bin/python bench/discussions.py [--duration 10] [--connections 16] [--comments 50] [--posts 30]

In one run (see bench/README.md), on one `entrepairs init --demo` instance, one
gateway (`entrepairs serve`, gunicorn) and one member's session:

1. page views: `wrk --latency` on a sheet without any comment and on a sheet whose
   thread holds N seeded comments (replies and reactions included), in alternating
   rounds after a warm-up; the thread's cost is 1 - (req/s with) / (req/s without).
2. post a comment and see it: sequential, one client; GET the page (not timed), then
   time the POST (303) and the GET of the page it redirects to, until that page shows
   the new comment.

The server machinery (instances, gunicorn, login, wrk) is bench/serve.py's. Every
server started is stopped at the end, even on error, and every request goes to
127.0.0.1.
"""

import argparse
import html.parser
import math
import os
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

_BENCH_DIR = os.path.realpath(Path(__file__).parent)
sys.path.insert(0, _BENCH_DIR)
import serve as servebench  # noqa: E402  (bench/serve.py: servers, login, wrk)
from serve import COOKIE_NAME, HOST, BenchError, verdict  # noqa: E402

# This file bears the name of the `discussions` package: bench/ leaves the import path so
# that `import discussions` (by the gateway, when seeding in-process) finds the package.
sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or os.curdir) != _BENCH_DIR]

PAGE_WITHOUT = "/fiches/vae/"
PAGE_WITH = "/fiches/premier-entretien/"
TARGET_COST = 0.30
TARGET_P99_MS = 40.0
THREAD_SECTION = '<section class="ep-thread" id="discussion"'
COMMENT_ANCHOR = re.compile(r'id="commentaire-(\d+)"')
SEED = 2024


# --------------------------------------------------------------------------- comment texts

_OPENERS = [
    "Merci pour cette fiche, elle tombe à pic pour préparer mes rendez-vous de la semaine.",
    "Retour d'expérience de notre structure, si cela peut servir à d'autres.",
    "Petite précision qui me semble importante pour les collègues qui débutent.",
    "Je rejoins ce qui a été dit plus haut, avec une nuance.",
    "Question pratique pour le réseau, avant la prochaine réunion.",
    "Nous avons testé cette démarche depuis le printemps dernier.",
]
_POINTS = [
    "Nous prévoyons désormais une heure entière pour le premier entretien, car la personne a souvent "
    "besoin de temps pour poser sa situation.",
    "Je commence toujours par reformuler la demande avec ses propres mots, ce qui évite bien des "
    "malentendus sur la suite de l'accompagnement.",
    "Pensez à rappeler dès le départ que l'entretien est **confidentiel et gratuit** : cela change "
    "beaucoup la qualité des échanges.",
    "Chez nous, la synthèse écrite est envoyée sous huit jours, avec les pistes évoquées et les "
    "prochaines étapes datées.",
    "Les freins périphériques, comme la mobilité, la garde d'enfants ou le logement, apparaissent "
    "rarement au premier rendez-vous ; il faut savoir y revenir.",
    "Avez-vous un modèle de compte rendu à partager ? Le nôtre est trop long et les bénéficiaires "
    "ne le lisent pas jusqu'au bout.",
    "Pour les personnes en reconversion, nous proposons une immersion professionnelle avant de "
    "parler de financement.",
    "Le CPF n'est pas toujours la bonne porte d'entrée : le projet doit être solide avant toute "
    "demande de prise en charge.",
    "J'utilise une frise chronologique du parcours, elle aide à repérer les *compétences "
    "transférables* sans que la personne se sente évaluée.",
    "Attention aux délais de la commission de Transitions Pro, il vaut mieux anticiper d'au moins "
    "quatre mois.",
    "Quand la personne arrive orientée par son employeur, je prends le temps de vérifier qu'il "
    "s'agit bien de sa propre démarche.",
    "Le questionnaire envoyé avant le rendez-vous nous fait gagner un temps précieux, à condition "
    "qu'il reste court.",
    "Dans les zones rurales, nous proposons le premier entretien en visio, mais le second se fait "
    "toujours en présentiel.",
    "Les jeunes que nous suivons préfèrent souvent un échange par messagerie entre deux rendez-vous, "
    "ce qui maintient le lien.",
    "Je note systématiquement les ressources du territoire évoquées, pour que la personne reparte "
    "avec des contacts concrets.",
]
_LISTS = [
    "Ce qui marche chez nous :\n\n- une trame d'entretien courte ;\n- un point d'étape à un mois ;\n"
    "- une synthèse relue avec la personne.",
    "Trois questions que je pose toujours :\n\n- qu'est-ce qui vous amène aujourd'hui ?\n"
    "- qu'avez-vous déjà essayé ?\n- qu'attendez-vous de nous ?",
]
_CLOSERS = [
    "Merci d'avance pour vos retours.",
    "Bonne journée à toutes et à tous.",
    "À discuter lors de la prochaine réunion du réseau.",
    "Je peux partager notre trame si cela intéresse quelqu'un.",
    "Au plaisir d'échanger sur le sujet.",
]


def _words(text):
    return len(re.findall(r"\w+(?:['’-]\w+)*", text))


def comment_text(rng, *, reply_to=None, words=60):
    """A French practitioner's comment of about ``words`` words (Markdown: emphasis, sometimes a list)."""
    if reply_to:
        opener = f"Merci {reply_to}, {rng.choice(['je confirme', 'même constat de notre côté', 'bonne remarque'])}."
    else:
        opener = rng.choice(_OPENERS)
    closer = rng.choice(_CLOSERS)
    goal = rng.randint(words - 8, words + 8) - _words(closer)
    parts = [opener]
    points = rng.sample(_POINTS, len(_POINTS))
    if rng.random() < 0.2:
        parts.append(rng.choice(_LISTS))
    while points and _words(" ".join(parts)) + _words(points[-1]) / 2 < goal:  # the closest to ``goal``
        parts.append(points.pop())
    parts.append(closer)
    paragraphs, current = [], []
    for part in parts:  # a blank line around lists; sentences grouped in paragraphs of two
        if part.startswith(("Ce qui", "Trois")):
            paragraphs += [" ".join(current)] if current else []
            paragraphs.append(part)
            current = []
        else:
            current.append(part)
            if len(current) == 2:
                paragraphs.append(" ".join(current))
                current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------- seeding


@dataclass
class Seeded:
    page_path: str
    comments: int
    replies: int
    reactions: int
    mean_words: float
    authors: int
    first_page: int  # comments on the thread's first page (the gateway pages it by top-level comments)
    per_page: int


def seed_thread(instance, page_url, accounts, count, *, reactions=12, rng=None):
    """Write ``count`` comments (some replies) and a few reactions on the page at ``page_url``, in-process,
    through the discussions library, before the server starts."""
    from auth_gateway import create_app
    from auth_gateway.members import find_member
    from auth_gateway.threads import COMMENTS_PER_PAGE, page_source
    from discussions import services as discussions
    from discussions.models import ReactionKind

    rng = rng or random.Random(SEED)
    built = instance / "site" / page_url.strip("/") / "index.html"
    try:
        page_path = page_source(built.read_bytes())
    except OSError as error:
        raise BenchError(f"no built page for {page_url}: {error}") from error
    if page_path is None:
        raise BenchError(f"{built} carries no thread marker: its page has no discussion")
    app = create_app({"INSTANCE_PATH": str(instance)})
    services = app.extensions["entrepairs"]
    try:
        with services.database.session() as reader:
            members = []
            for account in accounts:
                member = find_member(reader, account["email"])
                if member is None:
                    raise BenchError(f"demo account {account['email']} not found in the database")
                members.append((member.id, account["name"].split()[0]))
        top_level, ids, authors, words, roots = [], [], {}, [], []
        with services.database.write() as writer:
            for index in range(count):
                author_id, first_name = rng.choice(members)
                parent = None
                if top_level and index >= 3 and rng.random() < 0.3:
                    parent = rng.choice(top_level)
                    reply_to = authors[parent]
                    if reply_to == first_name:  # nobody thanks herself
                        reply_to = None
                else:
                    reply_to = None
                body = comment_text(rng, reply_to=reply_to)
                words.append(_words(body))
                comment = discussions.post_comment(writer, author_id=author_id, body=body, page_path=page_path,
                                                   parent_id=parent, page_commit=None)
                ids.append((comment.id, author_id))
                authors[comment.id] = first_name
                roots.append(parent or comment.id)
                if parent is None:
                    top_level.append(comment.id)
            done, attempts = set(), 0
            while len(done) < min(reactions, count) and attempts < 20 * reactions:  # bounded
                attempts += 1
                comment_id, author_id = rng.choice(ids)
                member_id = rng.choice(members)[0]
                kind = rng.choice(list(ReactionKind))
                if member_id == author_id or (comment_id, member_id, kind) in done:
                    continue
                discussions.react(writer, comment_id=comment_id, member_id=member_id, kind=kind)
                done.add((comment_id, member_id, kind))
    finally:
        services.database.dispose()
    first_roots = set(top_level[:COMMENTS_PER_PAGE])
    return Seeded(page_path, count, count - len(top_level), len(done), statistics.mean(words) if words else 0.0,
                  len({a for _, a in ids}), sum(root in first_roots for root in roots), COMMENTS_PER_PAGE)


# --------------------------------------------------------------------------- a member's browser


class Browser:
    """One logged-in member: sends her cookies, keeps those the gateway sets."""

    def __init__(self, port, session):
        self.port = port
        self.cookies = {COOKIE_NAME: session}

    def request(self, method, path, *, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, answer_headers, data = servebench.http_request(self.port, method, path, headers=headers, body=body)
        self.cookies.update(servebench._cookies(answer_headers))
        return status, dict((k.lower(), v) for k, v in answer_headers), data


class _CommentFormToken(html.parser.HTMLParser):
    """The csrf_token of the comment form (<form id="commenter">)."""

    def __init__(self):
        super().__init__()
        self.form_id = None
        self.token = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form_id = attrs.get("id")
        elif tag == "input" and attrs.get("name") == "csrf_token" and self.form_id == "commenter":
            self.token = attrs.get("value")

    def handle_endtag(self, tag):
        if tag == "form":
            self.form_id = None


def comment_form_token(page):
    finder = _CommentFormToken()
    finder.feed(page.decode("utf-8", errors="replace"))
    if not finder.token:
        raise BenchError('no csrf_token in a <form id="commenter"> on the page: cannot post')
    return finder.token


def comment_ids(page):
    return COMMENT_ANCHOR.findall(page.decode("utf-8", errors="replace"))


# --------------------------------------------------------------------------- 1. page views


@dataclass
class PageView:
    """One page's wrk runs (one per round) and what the access log says of them."""

    label: str
    path: str
    size: int
    comments: int
    runs: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    statuses_after: list = field(default_factory=list)

    @property
    def rps(self):
        """Mean requests/s over the rounds."""
        return statistics.mean(run.requests_per_second for run in self.runs)

    @property
    def p50_ms(self):
        """Mean p50 over the rounds."""
        return statistics.mean(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self):
        """The worst round's p99."""
        return max(run.p99_ms for run in self.runs)

    @property
    def all_200(self):
        return not set(self.statuses) - {"200"} and set(self.statuses_after) <= {200}


def check_thread_page(browser, path, display_name, expected):
    """The page answers 200 with the member's header, 302 without cookie, and shows ``expected`` comments."""
    size, anon_status, location = servebench.check_gateway_page(browser.port, path, browser.cookies[COOKIE_NAME],
                                                                display_name)
    status, _, page = browser.request("GET", path)
    if status != 200 or THREAD_SECTION.encode() not in page:
        raise BenchError(f"GET {path} answered {status} (thread section present: "
                         f"{THREAD_SECTION.encode() in page}), expected 200 with the thread")
    found = len(comment_ids(page))
    if found != expected:
        raise BenchError(f"GET {path} shows {found} comments (id=\"commentaire-N\"), expected {expected}")
    print(f"  check: GET {path} with cookie -> 200, {size:,} bytes, {found} comments in the thread; "
          f"without cookie -> {anon_status} to {location}")
    return size, found


def _wrk(args, tools, gateway, browser, path, duration):
    return servebench.run_wrk(tools["wrk"], gateway.port, path, session=browser.cookies[COOKIE_NAME],
                              duration=duration, connections=args.connections,
                              threads=min(args.threads, args.connections))


def measure_views(args, tools, gateway, browser, without, with_thread):
    """Warm both pages up (not reported), then wrk them in rounds, alternating which goes first (ABBA...):
    a drift of the machine's speed during the run weighs on both pages alike."""
    if args.warmup:
        print(f"  warm-up (not reported): wrk {args.warmup}s on each page...", flush=True)
        for view in (without, with_thread):
            _wrk(args, tools, gateway, browser, view.path, args.warmup)
    for number in range(args.rounds):
        for view in (without, with_thread) if number % 2 == 0 else (with_thread, without):
            offset = gateway.log_path.stat().st_size
            print(f"  round {number + 1}/{args.rounds}: wrk on {view.path} ({args.duration}s)...", flush=True)
            view.runs.append(_wrk(args, tools, gateway, browser, view.path, args.duration))
            time.sleep(0.5)  # let the last access-log lines land
            for code, count in servebench.access_log_statuses(gateway.log_path, offset, view.path).items():
                view.statuses[code] = view.statuses.get(code, 0) + count
            view.statuses_after.append(browser.request("GET", view.path)[0])  # is the session still valid?


def report_views(without, with_thread):
    print(f"  command: {servebench.shown_command(without.runs[0].command)}")
    print(f"  command: {servebench.shown_command(with_thread.runs[0].command)}")
    for number, (a, b) in enumerate(zip(without.runs, with_thread.runs), start=1):
        width = 4 + max(len(without.label), len(with_thread.label))
        servebench.describe(f"r{number} {without.label}".ljust(width), a)
        servebench.describe(f"r{number} {with_thread.label}".ljust(width), b)
        print(f"     round {number}: thread cost 1 - {b.requests_per_second:.1f}/{a.requests_per_second:.1f} = "
              f"{1 - b.requests_per_second / a.requests_per_second:.1%}")
    for view in (without, with_thread):
        shown = ", ".join(f"{code}: {count}" for code, count in sorted(view.statuses.items())) or "none logged"
        after = ", ".join(str(status) for status in view.statuses_after)
        print(f"  access log during the runs, {view.path}: {shown}; after each run, with cookie: {after}")
        if not view.all_200:
            print("  WARNING: the gateway answered something else than 200 during the runs")
    for view in (without, with_thread):
        print(f"  {view.label:<12} {view.path:<28} {view.size:>9,} bytes  {view.comments:>3} comments  "
              f"{view.rps:>8.1f} req/s (mean)  p50 {view.p50_ms:6.2f} ms (mean)  p99 {view.p99_ms:6.2f} ms (worst)")
    cost = 1 - with_thread.rps / without.rps
    print(f"  sizes: the thread adds {(with_thread.size - without.size) / 1000:,.1f} kB "
          f"({with_thread.size / without.size:.1f}x the page without comment)")
    print(f"  thread cost = 1 - {with_thread.rps:.1f}/{without.rps:.1f} = {cost:.1%} of throughput "
          f"(target < {TARGET_COST:.0%}: {verdict(cost < TARGET_COST)}); p99 with the thread "
          f"{with_thread.p99_ms:.2f} ms (target < {TARGET_P99_MS:.0f} ms: {verdict(with_thread.p99_ms < TARGET_P99_MS)})")
    return cost


# --------------------------------------------------------------------------- 2. post and see


@dataclass
class Posting:
    total_ms: list
    post_ms: list
    get_ms: list


def p90(values):
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def measure_posting(args, browser, path, expected_comments):
    """Post ``args.posts`` comments one after the other; time POST -> GET showing the comment.

    Each measured comment is deleted afterwards (not timed), through the gateway's own form,
    so that every measurement sees the same thread (the seeded comments + the new one) and
    the thread never spills onto a second page of comments.
    """
    rng = random.Random(SEED + 1)
    posting = Posting([], [], [])
    deadline = time.monotonic() + args.post_timeout
    for number in range(1, args.posts + 1):
        if time.monotonic() > deadline:
            raise BenchError(f"posting took more than {args.post_timeout}s ({number - 1} of {args.posts} done)")
        status, _, page = browser.request("GET", path)  # not timed: the form's token
        if status != 200:
            raise BenchError(f"GET {path} before post #{number} answered {status}, expected 200")
        marker = f"repere-{uuid.uuid4().hex[:16]}"
        body = f"{comment_text(rng, words=50)}\n\nRepère de mesure : {marker}"
        form = {"csrf_token": comment_form_token(page), "body": body, "action": "publish"}

        started = time.perf_counter()
        status, headers, answer = browser.request("POST", path, form=form)
        posted = time.perf_counter()
        location = headers.get("location", "")
        match = re.search(r"#commentaire-(\d+)$", location)
        if status != 303 or not match:
            raise BenchError(f"POST {path} (#{number}) answered {status} Location {location!r}, expected 303 to "
                             f"{path}#commentaire-N (body starts: {answer[:300]!r})")
        target = urlsplit(location).path
        status, _, seen = browser.request("GET", target)
        shown = time.perf_counter()

        comment_id = match[1]
        if target != path or status != 200 or marker.encode() not in seen or comment_id not in comment_ids(seen):
            paged = b'class="ep-pagination"' in seen
            raise BenchError(f"after post #{number}: GET {target} answered {status}; its text shown: "
                             f"{marker.encode() in seen}; #commentaire-{comment_id} present: "
                             f"{comment_id in comment_ids(seen)} (expected {path}, 200, both)"
                             + ("; the thread is paged (more top-level comments than one page holds): the "
                                "redirect leads to its first page, the new comment is on the last" if paged else ""))
        posting.total_ms.append((shown - started) * 1000)
        posting.post_ms.append((posted - started) * 1000)
        posting.get_ms.append((shown - posted) * 1000)

        status, _, _ = browser.request("POST", f"/-/discussions/commentaires/{comment_id}/supprimer",
                                       form={"csrf_token": comment_form_token(seen)})
        if status != 303:
            raise BenchError(f"deleting the measured comment {comment_id} answered {status}, expected 303")
    status, _, page = browser.request("GET", path)
    left = len(comment_ids(page))
    if status != 200 or left != expected_comments:
        raise BenchError(f"after the posts, GET {path} answered {status} with {left} comments, "
                         f"expected 200 with {expected_comments}")
    return posting


def report_posting(posting, path, comments):
    print(f"  {len(posting.total_ms)} comments posted to {path} one after the other (thread: {comments} comments + "
          "the new one; each deleted afterwards, not timed)")
    rows = (("POST + GET (comment seen)", posting.total_ms), ("POST alone (303)", posting.post_ms),
            ("GET alone (page with it)", posting.get_ms))
    for label, values in rows:
        print(f"  {label:<27} median {statistics.median(values):7.2f} ms   p90 {p90(values):7.2f} ms   "
              f"min {min(values):7.2f} ms   max {max(values):7.2f} ms")


# --------------------------------------------------------------------------- report


def markdown_table(args, without, with_thread, cost, posting):
    rows = [f"| Discussions (gunicorn {args.workers} sync workers; wrk -t{min(args.threads, args.connections)} "
            f"-c{args.connections} -d{args.duration}s × {args.rounds} rounds) | Result (mean) "
            "| p50 (mean) / median | p99 (worst round) / p90 | Target |",
            "|---|---:|---:|---:|---|"]
    if without and with_thread:
        rows.append(f"| View `{without.path}`, no comment ({without.size / 1000:.1f} kB) "
                    f"| {without.rps:,.0f} req/s | {without.p50_ms:.2f} ms "
                    f"| {without.p99_ms:.2f} ms | |")
        rows.append(f"| View `{with_thread.path}`, {with_thread.comments} comments "
                    f"({with_thread.size / 1000:.1f} kB) | {with_thread.rps:,.0f} req/s "
                    f"| {with_thread.p50_ms:.2f} ms | {with_thread.p99_ms:.2f} ms "
                    f"| p99 < {TARGET_P99_MS:.0f} ms {verdict(with_thread.p99_ms < TARGET_P99_MS)} |")
        rows.append(f"| Thread cost, 1 − with/without | {cost:.1%} | | | < {TARGET_COST:.0%} "
                    f"{verdict(cost < TARGET_COST)} |")
    else:
        rows.append("| Page views | failed | | | |")
    if posting:
        n = len(posting.total_ms)
        for label, values in ((f"Post a comment and see it ({n}×, POST → GET)", posting.total_ms),
                              ("… POST alone (303)", posting.post_ms),
                              ("… GET alone (thread re-rendered)", posting.get_ms)):
            rows.append(f"| {label} | | {statistics.median(values):.2f} ms | {p90(values):.2f} ms (p90) | |")
    else:
        rows.append("| Post a comment and see it | failed | | | |")
    return "\n".join(rows)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="wrk runs per page, alternating which page goes first (default 2: ABBA)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unreported wrk per page first (default 2)")
    parser.add_argument("--comments", type=int, default=50, help="comments seeded in the thread (default 50)")
    parser.add_argument("--posts", type=int, default=30, help="comments posted and timed (default 30)")
    parser.add_argument("--post-timeout", type=int, default=300, help="bound on the posting part, s (default 300)")
    parser.add_argument("--page-without", default=PAGE_WITHOUT, help=f"sheet without comment (default {PAGE_WITHOUT})")
    parser.add_argument("--page-with", default=PAGE_WITH, help=f"sheet given the thread (default {PAGE_WITH})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (instance, logs)")
    args = parser.parse_args(argv)
    if min(args.duration, args.connections, args.threads, args.workers, args.comments, args.posts, args.rounds) < 1:
        parser.error("--duration, --connections, --threads, --workers, --comments, --posts and --rounds must be >= 1")
    if args.warmup < 0:
        parser.error("--warmup must be >= 0")
    if args.page_with == args.page_without:
        parser.error("--page-with and --page-without must differ")
    return args


def run_benchmark(args, tools, workdir):
    """Both parts on one instance and one gateway; return (without, with, cost, posting), None for a failed part."""
    print("\n## Setup")
    instance = workdir / "instance"
    started = time.perf_counter()
    servebench.run([tools["entrepairs"], "--instance", str(instance), "init", "--demo"], timeout=300)
    print(f"  init --demo: {time.perf_counter() - started:.1f} s ({instance})")
    accounts = servebench.read_demo_accounts(instance)
    account = next((a for a in accounts if a.get("role") == "member"), accounts[0])
    started = time.perf_counter()
    seeded = seed_thread(instance, args.page_with, accounts, args.comments)
    print(f"  seeded {args.page_with} ({seeded.page_path}) in-process in {time.perf_counter() - started:.2f} s: "
          f"{seeded.comments} comments by {seeded.authors} demo accounts ({seeded.comments - seeded.replies} "
          f"top-level, {seeded.replies} replies), {seeded.reactions} reactions, {seeded.mean_words:.0f} words "
          "each on average")
    if seeded.first_page != seeded.comments:
        print(f"  note: the gateway shows {seeded.per_page} top-level comments per page of a thread: "
              f"{seeded.first_page} of the {seeded.comments} comments are on the page measured")
    without = with_thread = cost = posting = None
    gateway = None
    try:
        gateway = servebench.start_gateway(tools["entrepairs"], instance, workdir, args.workers)
        servebench.wait_until_answers(gateway, gateway.port, "/-/connexion")
        print(f"  gateway: gunicorn, {args.workers} sync workers, http://{HOST}:{gateway.port} "
              f"(pid {gateway.process.pid})")
        session = servebench.login(gateway.port, account["email"], account["password"])
        print(f"  logged in as {account['email']} (role {account['role']}): {COOKIE_NAME} cookie received")
        browser = Browser(gateway.port, session)

        print(f"\n## 1. Page views, with and without a {args.comments}-comment thread")
        try:
            size_without, _ = check_thread_page(browser, args.page_without, account["name"], 0)
            size_with, shown = check_thread_page(browser, args.page_with, account["name"], seeded.first_page)
            without = PageView("without", args.page_without, size_without, 0)
            with_thread = PageView("with", args.page_with, size_with, shown)
            measure_views(args, tools, gateway, browser, without, with_thread)
            cost = report_views(without, with_thread)
        except BenchError as error:
            without = with_thread = None
            print(f"\n  PART 1 FAILED: {error}")

        print(f"\n## 2. Post a comment and see it ({args.posts} times, sequential, one client)")
        try:
            posting = measure_posting(args, browser, args.page_with, seeded.first_page)
            report_posting(posting, args.page_with, seeded.first_page)
        except BenchError as error:
            posting = None
            print(f"\n  PART 2 FAILED: {error}\n--- {gateway.log_path} ---\n{servebench.tail(gateway.log_path, 8)}")
    finally:
        if gateway is not None:
            gateway.stop()
    return without, with_thread, cost, posting


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, servebench._terminate)
    servebench.print_run_header("# entrepairs discussions benchmark", sharing="wrk and gunicorn")
    wrk = servebench.find_tool("wrk", "/usr/bin/wrk")
    if not wrk:
        print("error: wrk not found; install with: apt-get install wrk", file=sys.stderr)
        return 2
    try:
        tools = {"entrepairs": servebench.entrepairs_command(), "wrk": wrk}
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # The seeding runs in this process: the same configuration as the servers (no ENTREPAIRS_* override).
    for name in [name for name in os.environ if name.startswith("ENTREPAIRS_")]:
        del os.environ[name]
    print(f"python: {sys.version.split()[0]}; {servebench.wrk_version(wrk)}")
    print(f"settings: wrk -t{min(args.threads, args.connections)} -c{args.connections} -d{args.duration}s --latency, "
          f"{args.rounds} round(s) per page after a {args.warmup}s warm-up; gunicorn {args.workers} sync workers; "
          f"{args.comments} seeded comments; {args.posts} timed posts")

    workdir = Path(tempfile.mkdtemp(prefix="entrepairs-bench-discussions-"))
    print(f"temporary folder: {workdir}")
    try:
        without, with_thread, cost, posting = run_benchmark(args, tools, workdir)
    except BenchError as error:
        print(f"\n  BENCHMARK FAILED: {error}")
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, nothing more measured", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"\n(kept {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print("\n## Summary\n")
    print(markdown_table(args, without, with_thread, cost, posting))
    print()
    if without and with_thread:
        print(f"Targets: thread cost {cost:.1%} < {TARGET_COST:.0%} {verdict(cost < TARGET_COST)}; p99 with the "
              f"thread {with_thread.p99_ms:.2f} ms < {TARGET_P99_MS:.0f} ms "
              f"{verdict(with_thread.p99_ms < TARGET_P99_MS)}")
    print(f"Machine: {os.cpu_count()} cores shared by wrk and gunicorn; one member session for every request "
          "(the gateway caches a thread's rendering per viewer and thread version: wrk measures that cached "
          "path, the GET after a POST measures a fresh rendering).")
    return 0 if (without and with_thread and posting) else 1


if __name__ == "__main__":
    sys.exit(main())
