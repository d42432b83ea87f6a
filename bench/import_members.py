"""Benchmark the bulk import of members from a CSV file: wall time and peak memory.

Run from the project root with the project's venv:

    .venv/bin/python bench/import_members.py [--members 10000]

In one run (see bench/README.md):

1. `entrepairs --instance DIR init` in a temporary folder;
2. a CSV of N generated members (French names, valid structures and regions, unique
   e-mails, the structures' e-mail domains respected, about 2 % animators);
3. `entrepairs member import FILE --dry-run`, then the real import, then the same real
   import again (it must change nothing). Each command's wall time and peak memory (the
   child's max RSS, from `os.wait4`) are measured; the outputs and the database
   (members, queued invitations, invitation tokens) are checked after each one;
4. `entrepairs mail deliver`, called again and again (it sends one batch per call), to
   put the queued invitations in the instance's outbox: the first `--deliver-first`
   mails are always timed, the rest only if the projected time fits `--deliver-budget`.

Only the standard library is used; the temporary folder is deleted at the end (`--keep`
keeps it) and every command has a time limit.
"""

import argparse
import csv
import os
import random
import re
import resource
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from serve import BenchError, entrepairs_command  # noqa: E402  (bench/serve.py)

TARGET_SECONDS = 60.0
#: `auth_gateway.mail.BATCH`: mails sent by one `entrepairs mail deliver`.
MAIL_BATCH = 50

FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Louise", "Clara",
    "Marie", "Anne", "Sophie", "Nathalie", "Isabelle", "Sandrine", "Valérie", "Céline", "Aurélie", "Hélène",
    "Françoise", "Élodie", "Mélanie", "Agnès", "Béatrice", "Laëtitia", "Noémie", "Zoé", "Maëlle", "Anaïs",
    "Thomas", "Nicolas", "Julien", "Maxime", "Antoine", "Pierre", "Alexandre", "Romain", "Guillaume", "Hugo",
    "Lucas", "Mathieu", "Sébastien", "Stéphane", "Olivier", "Christophe", "Frédéric", "Jérôme", "Benoît", "Loïc",
    "Jean-Baptiste", "Jean-François", "Marc-Antoine", "Anne-Sophie", "Marie-Claire", "Karim", "Mehdi",
    "Yasmine", "Fatou", "Moussa",
]
LAST_NAMES = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Le Gall", "Le Goff", "Kerbrat", "Lebreton", "Hoarau", "Payet", "Nguyen", "Benali", "N'Diaye", "Da Silva",
    "Delacroix", "Château", "Lemaître", "Bélanger", "Picard",
]
#: (structure, weight, e-mail domains: the structure's own rule when it has one).
STRUCTURES = [
    ("France Travail", 40, ["francetravail.fr", "pole-emploi.fr"]),
    ("Cap emploi", 12, ["capemploi.com", "handi-emploi.fr"]),
    ("Apec", 10, ["apec.fr"]),
    ("Mission locale", 20, ["missionlocale.fr", "ml-jeunes.fr"]),
    ("Opérateur CEP des actifs occupés", 12, ["cep-actifs.fr", "evolution-pro.fr"]),
    ("Transitions Pro", 6, ["transitionspro.fr"]),
]
#: The 18 regions and a rough weight (population, millions).
REGIONS = [
    ("Auvergne-Rhône-Alpes", 8.1), ("Bourgogne-Franche-Comté", 2.8), ("Bretagne", 3.4),
    ("Centre-Val de Loire", 2.6), ("Corse", 0.35), ("Grand Est", 5.6), ("Hauts-de-France", 6.0),
    ("Île-de-France", 12.3), ("Normandie", 3.3), ("Nouvelle-Aquitaine", 6.1), ("Occitanie", 6.0),
    ("Pays de la Loire", 3.9), ("Provence-Alpes-Côte d'Azur", 5.1), ("Guadeloupe", 0.38), ("Martinique", 0.35),
    ("Guyane", 0.29), ("La Réunion", 0.87), ("Mayotte", 0.3),
]


# --------------------------------------------------------------------------- commands


def clean_env():
    """The commands' environment: no ENTREPAIRS_* override (no SMTP_URL: mails go to the outbox)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTREPAIRS_")}
    env.setdefault("LANG", "C.UTF-8")
    return env


@dataclass
class Measured:
    """One command: exit code, wall time, the child's peak RSS, its output."""

    command: list
    returncode: int
    seconds: float
    max_rss_kb: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def max_rss_mb(self):
        return self.max_rss_kb / 1024

    def failure(self, why):
        return BenchError(f"{why}: {shlex.join(self.command)} (exit code {self.returncode})\n"
                          f"--- stdout (end) ---\n{tail(self.stdout)}\n--- stderr (end) ---\n{tail(self.stderr)}")


def tail(text, lines=15):
    return "\n".join(text.strip().splitlines()[-lines:])


def measure(command, *, timeout, workdir):
    """Run ``command`` to completion; return its wall time and peak RSS (``os.wait4``).

    The output goes to files (a 10,000-line output never blocks a pipe). A timer kills the
    command after ``timeout`` seconds; the child is only reaped (``wait4``) after the timer
    is cancelled, so the kill can never hit a reused pid.
    """
    out_path, err_path = workdir / "last.stdout", workdir / "last.stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=clean_env())
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            os.kill(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            # Wait for the exit without reaping: the pid stays ours while the timer may fire.
            while True:
                try:
                    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
                    break
                except InterruptedError:
                    continue
            seconds = time.perf_counter() - start
        finally:
            timer.cancel()
            timer.join()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)  # so Popen never waits for it again
    result = Measured(command, process.returncode, seconds, usage.ru_maxrss,
                      out_path.read_text(encoding="utf-8", errors="replace"),
                      err_path.read_text(encoding="utf-8", errors="replace"), timed_out.is_set())
    if result.timed_out:
        raise result.failure(f"timed out after {timeout} s")
    return result


# --------------------------------------------------------------------------- data


def ascii_slug(text):
    """`Jean-François` -> `jean-francois`, `N'Diaye` -> `ndiaye`, `Le Gall` -> `legall`."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9-]", "", text)


def write_csv(path, count, *, seed, animator_share):
    """Write ``count`` members; return (counts by structure, number of animators)."""
    rng = random.Random(seed)
    structures, structure_weights = [s[:1] + s[2:] for s in STRUCTURES], [s[1] for s in STRUCTURES]
    regions, region_weights = [r[0] for r in REGIONS], [r[1] for r in REGIONS]
    by_structure, animators = {}, 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "structure", "region", "role"])
        for number in range(1, count + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            (structure, domains), = rng.choices(structures, structure_weights)
            region, = rng.choices(regions, region_weights)
            role = "animator" if rng.random() < animator_share else "member"
            animators += role == "animator"
            by_structure[structure] = by_structure.get(structure, 0) + 1
            email = f"{ascii_slug(first)}.{ascii_slug(last)}.{number}@{rng.choice(domains)}"
            writer.writerow([email, f"{first} {last}", structure, region, role])
    return by_structure, animators


def db_counts(database):
    """Count members, mails (by status) and invitation tokens, read-only."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        members = connection.execute("SELECT COUNT(*) FROM members").fetchone()[0]
        mails = dict(connection.execute("SELECT status, COUNT(*) FROM outbound_mails GROUP BY status").fetchall())
        tokens = connection.execute("SELECT COUNT(*) FROM member_tokens WHERE purpose = 'invitation'").fetchone()[0]
    connection.close()
    return {"members": members, "mails": sum(mails.values()), "mails_by_status": mails, "tokens": tokens}


# --------------------------------------------------------------------------- steps


def report(label, result, extra=""):
    print(f"  {label}: {result.seconds:.2f} s wall, peak RSS {result.max_rss_mb:.1f} MB, "
          f"exit {result.returncode}{extra}")


def expect_lines(result, expected, label):
    """Every string of ``expected`` must be a line (or start a line) of the output."""
    lines = result.stdout.splitlines()
    for wanted in expected:
        if not any(line.startswith(wanted) for line in lines):
            raise result.failure(f"{label}: no line starting with {wanted!r} in the output")


def check_db(database, label, *, members, mails, tokens):
    counts = db_counts(database)
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(counts["mails_by_status"].items()))
    print(f"  database after {label}: {counts['members']} members, {counts['mails']} queued mails"
          f"{f' ({statuses})' if statuses else ''}, {counts['tokens']} invitation tokens")
    wanted = {"members": members, "mails": mails, "tokens": tokens}
    wrong = {k: (counts[k], v) for k, v in wanted.items() if counts[k] != v}
    if wrong:
        raise BenchError(f"{label}: database counts (found, expected): {wrong}")
    return counts


def run_import(entrepairs, instance, csv_path, workdir, args, *, dry_run, label, summary, done, counts):
    command = [entrepairs, "--instance", str(instance), "member", "import", str(csv_path)]
    if dry_run:
        command.append("--dry-run")
    print(f"\n## {label}\n\n  $ {shlex.join(command)}")
    result = measure(command, timeout=args.timeout, workdir=workdir)
    verdict = "PASS" if result.seconds < TARGET_SECONDS else "FAIL"
    report(label, result, f"  (target < {TARGET_SECONDS:.0f} s: {verdict})")
    if result.returncode != 0:
        raise result.failure(f"{label} failed")
    expect_lines(result, [summary, done], label)
    per_line = sum(1 for line in result.stdout.splitlines() if line.startswith("ligne "))
    print(f"  output: {per_line} line reports; {summary!r}; {done!r}")
    if per_line != args.members:
        raise result.failure(f"{label}: {per_line} line reports, expected {args.members}")
    check_db(instance / "entrepairs.db", label, **counts)
    return result


def deliver(entrepairs, instance, workdir, args):
    """Call `mail deliver` until the queue is empty (or the budget says stop); return a summary."""
    command = [entrepairs, "--instance", str(instance), "mail", "deliver"]
    print(f"\n## Delivery into the outbox (no SMTP_URL)\n\n  $ {shlex.join(command)}   (repeated; "
          f"one call sends at most one batch of {MAIL_BATCH})")
    pattern = re.compile(r"E-mails envoyés : (\d+) ; en échec définitif : (\d+)\.")
    first = min(args.deliver_first, args.members)
    total_calls_max = args.members // MAIL_BATCH + 5
    sent_total = calls = 0
    seconds_total, peak_kb = 0.0, 0
    first_seconds = None
    stopped_early = False
    while calls < total_calls_max:
        result = measure(command, timeout=args.timeout, workdir=workdir)
        calls += 1
        seconds_total += result.seconds
        peak_kb = max(peak_kb, result.max_rss_kb)
        if result.returncode != 0:
            raise result.failure(f"mail deliver (call {calls}) failed")
        found = pattern.search(result.stdout)
        if not found:
            raise result.failure(f"mail deliver (call {calls}): no summary line in the output")
        sent, failed = int(found[1]), int(found[2])
        if failed:
            raise result.failure(f"mail deliver (call {calls}): {failed} mails failed")
        sent_total += sent
        if sent == 0:
            break
        if first_seconds is None and sent_total >= first:
            first_seconds = seconds_total
            projected = seconds_total / sent_total * args.members
            print(f"  first {sent_total} mails: {seconds_total:.1f} s in {calls} calls "
                  f"({seconds_total / calls:.2f} s per call); projected for all {args.members}: {projected:.0f} s")
            if projected > args.deliver_budget:
                print(f"  projected time > --deliver-budget {args.deliver_budget:.0f} s: stopping after the first "
                      f"{sent_total} (the rest stay queued)")
                stopped_early = True
                break
    else:
        raise BenchError(f"mail deliver: still sending after {calls} calls")
    outbox = instance / "outbox"
    files = len(list(outbox.glob("*.eml"))) if outbox.is_dir() else 0
    counts = db_counts(instance / "entrepairs.db")
    sent_db = counts["mails_by_status"].get("sent", 0)
    print(f"  {calls} calls, {sent_total} mails sent, {seconds_total:.1f} s in total "
          f"({sent_total / seconds_total:.0f} mails/s), peak RSS of one call {peak_kb / 1024:.1f} MB")
    print(f"  outbox: {files} .eml files; database: {counts['mails_by_status']}")
    if files != sent_total or sent_db != sent_total:
        raise BenchError(f"mail deliver: {sent_total} reported sent, {files} files in the outbox, "
                         f"{sent_db} marked sent in the database")
    if not stopped_early and sent_total != args.members:
        raise BenchError(f"mail deliver: the queue ran dry after {sent_total} of {args.members} mails")
    return {"calls": calls, "sent": sent_total, "seconds": seconds_total, "peak_kb": peak_kb,
            "complete": not stopped_early, "per_call": seconds_total / calls}


# --------------------------------------------------------------------------- report


def markdown_table(rows, delivery):
    lines = ["| Step | Wall time (s) | Peak RSS (MB) | Target < 60 s |", "|---|---:|---:|:---:|"]
    for label, result, targeted in rows:
        verdict = ("PASS" if result.seconds < TARGET_SECONDS else "FAIL") if targeted else "–"
        lines.append(f"| {label} | {result.seconds:.2f} | {result.max_rss_mb:.1f} | {verdict} |")
    if delivery:
        scope = "all" if delivery["complete"] else "first"
        lines.append(f"| `mail deliver` × {delivery['calls']} ({scope} {delivery['sent']:,} mails) | "
                     f"{delivery['seconds']:.2f} | {delivery['peak_kb'] / 1024:.1f} (one call) | – |")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10000, help="lines of the CSV (default 10000)")
    parser.add_argument("--animators", type=float, default=0.02, help="share of animators (default 0.02)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed of the CSV (default 2024)")
    parser.add_argument("--timeout", type=int, default=900, help="time limit of each command, s (default 900)")
    parser.add_argument("--deliver-first", type=int, default=1000,
                        help="mails always delivered and timed (default 1000)")
    parser.add_argument("--deliver-budget", type=float, default=120,
                        help="deliver all the mails only if the projected time is below this, s (default 120)")
    parser.add_argument("--skip-deliver", action="store_true", help="do not time the delivery")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (instance, CSV)")
    args = parser.parse_args(argv)
    if args.members < 1 or args.timeout < 1 or args.deliver_first < 1:
        parser.error("--members, --timeout and --deliver-first must be >= 1")
    return args


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    print("# entrepairs member import benchmark")
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"cwd: {os.getcwd()}")
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cores: {os.cpu_count()} (usable by this process: {affinity}); python {sys.version.split()[0]}")
    try:
        entrepairs = entrepairs_command()
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"entrepairs: {entrepairs}")
    workdir = Path(tempfile.mkdtemp(prefix="entrepairs-import-bench-"))
    instance, csv_path = workdir / "instance", workdir / f"members-{args.members}.csv"
    print(f"temporary folder: {workdir}")
    rows, delivery, failed = [], None, False
    n = args.members
    try:
        print("\n## Setup\n")
        init = measure([entrepairs, "--instance", str(instance), "init"], timeout=args.timeout, workdir=workdir)
        if init.returncode != 0:
            raise init.failure("entrepairs init failed")
        report("`entrepairs init`", init)
        check_db(instance / "entrepairs.db", "init", members=0, mails=0, tokens=0)
        started = time.perf_counter()
        by_structure, animators = write_csv(csv_path, n, seed=args.seed, animator_share=args.animators)
        print(f"  CSV: {n} lines, {csv_path.stat().st_size / 1e6:.2f} MB, written in "
              f"{time.perf_counter() - started:.2f} s; {animators} animators; "
              + ", ".join(f"{s} {c}" for s, c in sorted(by_structure.items(), key=lambda i: -i[1])))
        print("  first lines: " + " | ".join(csv_path.read_text(encoding="utf-8").splitlines()[1:3]))
        startup = measure([entrepairs, "--instance", str(instance), "mail", "deliver"],
                          timeout=args.timeout, workdir=workdir)
        if startup.returncode != 0:
            raise startup.failure("baseline `mail deliver` failed")
        report("baseline: `mail deliver` on an empty queue (the CLI's start-up cost)", startup)
        rows.append(("Baseline: CLI start-up (`mail deliver`, empty queue)", startup, False))

        summary_new = f"{n} à inviter, 0 déjà membres, 0 en erreur."
        common = {"entrepairs": entrepairs, "instance": instance, "csv_path": csv_path, "workdir": workdir,
                  "args": args}
        rows.append((f"Import dry run ({n:,} lines)", run_import(
            **common, dry_run=True, label="Import, dry run", summary=summary_new,
            done="Simulation : rien n'a été écrit.", counts={"members": 0, "mails": 0, "tokens": 0}), True))
        rows.append((f"Import, real ({n:,} created and invited)", run_import(
            **common, dry_run=False, label="Import, real", summary=summary_new,
            done=f"{n} membre(s) invité(s)", counts={"members": n, "mails": n, "tokens": n}), True))
        rows.append((f"Same import again (0 created, {n:,} unchanged)", run_import(
            **common, dry_run=False, label="Same import again (must change nothing)",
            summary=f"0 à inviter, {n} déjà membres, 0 en erreur.", done="0 membre(s) invité(s)",
            counts={"members": n, "mails": n, "tokens": n}), True))
        if not args.skip_deliver:
            delivery = deliver(entrepairs, instance, workdir, args)
    except BenchError as error:
        failed = True
        print(f"\n  FAILED: {error}")
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"\n(kept {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print("\n## Summary\n")
    print(markdown_table(rows, delivery))
    print()
    for label, result, targeted in rows:
        if targeted:
            print(f"Target, {label}: {result.seconds:.2f} s < {TARGET_SECONDS:.0f} s "
                  f"{'PASS' if result.seconds < TARGET_SECONDS else 'FAIL'}")
    if delivery:
        if delivery["complete"]:
            print(f"Delivery: all {delivery['sent']:,} mails in {delivery['seconds']:.1f} s "
                  f"({delivery['calls']} calls of {delivery['per_call']:.2f} s).")
        else:
            print(f"Delivery: measured on the first {delivery['sent']:,} mails only ({delivery['calls']} calls of "
                  f"{delivery['per_call']:.2f} s); projected for {n:,}: "
                  f"{delivery['seconds'] / delivery['sent'] * n:.0f} s.")
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Machine: {os.cpu_count()} cores. Wall time = the whole command (Python start-up included); "
          f"peak RSS = the child's ru_maxrss (os.wait4), which includes the pre-exec fork of this script "
          f"(so never below this script's own peak, {floor:.1f} MB).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
