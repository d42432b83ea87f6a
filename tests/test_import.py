"""Inviting members from a CSV file (CLI), with the file's own line numbers in every message."""

from sqlalchemy import func, select

from auth_gateway import mail
from auth_gateway.models import Member, OutboundMail, Status
from tests.test_cli import run

HEADER = "email,name,structure,region,role\n"


def write(tmp_path, text, name="membres.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def count(services, model=Member):
    with services.database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_dry_run_shows_every_line_and_writes_nothing_then_import_invites(instance, services, tmp_path, app):
    before = count(services)
    csv = write(tmp_path, HEADER + "anne.dupont@francetravail.fr,Anne Dupont,France Travail,Bretagne,member\n"
                "\n"
                "marc.roy@apec.fr,Marc Roy,apec,île-de-france,animator\n")
    dry = run(instance.root, "member", "import", csv, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "ligne 2 : à inviter — anne.dupont@francetravail.fr" in dry.output
    assert "ligne 4 : à inviter — marc.roy@apec.fr" in dry.output  # the file's own line numbers
    assert "2 à inviter, 0 déjà membres, 0 en erreur." in dry.output and "Simulation" in dry.output
    assert count(services) == before
    real = run(instance.root, "member", "import", csv)
    assert real.exit_code == 0 and "2 membre(s) invité(s)" in real.output
    with services.database.session() as session:
        marc = session.scalar(select(Member).where(Member.email == "marc.roy@apec.fr"))
        assert (marc.status, marc.role, marc.structure, marc.region) == (Status.INVITED, "animator", "Apec",
                                                                          "Île-de-France")
    assert count(services, OutboundMail) == 2
    again = run(instance.root, "member", "import", csv)
    assert "0 à inviter, 2 déjà membres, 0 en erreur." in again.output and "0 membre(s) invité(s)" in again.output
    assert count(services, OutboundMail) == 2
    with app.app_context():
        assert mail.deliver_for(app) == (2, 0)


def test_every_bad_line_is_reported_and_nothing_is_written(instance, services, tmp_path, member):
    before = count(services)
    csv = write(tmp_path, HEADER + "\n".join([
        "pas-une-adresse,X,Apec,Bretagne,member",
        "a@apec.fr,A,Cabinet RH,Bretagne,member",
        "b@apec.fr,B,Apec,Rhône-Alpes,member",
        "c@gmail.com,C,France Travail,Bretagne,member",
        "d@apec.fr,D,Apec,Bretagne,admin",
        "e@apec.fr,E,Apec,Bretagne,manager",
        "f@apec.fr,F,Apec,Bretagne,member",
        "F@APEC.FR,F bis,Apec,Bretagne,member",
        f"{member.email},Déjà là,France Travail,Auvergne-Rhône-Alpes,member",
        "g@apec.fr,,Apec,Bretagne,member",
    ]) + "\n")
    result = run(instance.root, "member", "import", csv, "--dry-run")
    out = result.output
    assert result.exit_code != 0
    assert "ligne 2 : erreur — Adresse e-mail invalide" in out
    assert "ligne 3 : erreur — Structure inconnue : « Cabinet RH »" in out
    assert "ligne 4 : erreur — Région inconnue : « Rhône-Alpes »" in out
    assert "ligne 5 : erreur — L'adresse c@gmail.com n'est pas d'un domaine de France Travail" in out
    assert "ligne 6 : erreur — Rôle « admin » refusé dans un import" in out
    assert "ligne 7 : erreur — Rôle inconnu" in out
    assert "ligne 8 : à inviter — f@apec.fr" in out
    assert "ligne 9 : erreur — Adresse déjà présente à la ligne 8 du fichier." in out
    assert f"ligne 10 : déjà membre — {member.email}" in out
    assert "ligne 11 : erreur — Le nom ne peut pas être vide." in out
    assert run(instance.root, "member", "import", csv).exit_code != 0
    assert count(services) == before


def test_bom_semicolons_french_headers_and_windows_encoding(instance, services, tmp_path):
    text = "\ufeffCourriel;Nom;Structure;Région;Rôle\r\nzoe@apec.fr;Zoé Martin;Apec;Occitanie;conseiller\r\n"
    result = run(instance.root, "member", "import", write(tmp_path, text))
    assert result.exit_code == 0 and "1 membre(s) invité(s)" in result.output, result.output
    latin = "courriel;nom;structure;région\nleo@apec.fr;Léo Émery;Apec;Occitanie\n"
    result = run(instance.root, "member", "import", write(tmp_path, latin, "latin.csv", "cp1252"))
    assert result.exit_code == 0, result.output
    with services.database.session() as session:
        assert session.scalar(select(Member.display_name).where(Member.email == "leo@apec.fr")) == "Léo Émery"


def test_unreadable_files_are_refused_in_french(instance, tmp_path):
    missing = run(instance.root, "member", "import", write(tmp_path, "courriel;nom\nx@apec.fr;X\n"))
    assert missing.exit_code != 0 and "Colonnes manquantes dans l'en-tête : structure, region" in missing.output
    empty = run(instance.root, "member", "import", write(tmp_path, "", "vide.csv"))
    assert empty.exit_code != 0 and "Le fichier est vide." in empty.output
    big = tmp_path / "gros.csv"
    with big.open("wb") as file:
        file.write(HEADER.encode())
        file.truncate(50 * 1024 * 1024 + 10)
    refused = run(instance.root, "member", "import", str(big))
    assert refused.exit_code != 0 and "Fichier trop volumineux : 50 Mo au plus." in refused.output


def test_ten_thousand_lines(instance, services, tmp_path):
    lines = [f"conseiller{n}@apec.fr,Conseiller {n},Apec,Bretagne,member" for n in range(10_000)]
    result = run(instance.root, "member", "import", write(tmp_path, HEADER + "\n".join(lines) + "\n"))
    assert result.exit_code == 0 and "10000 membre(s) invité(s)" in result.output
    assert count(services, OutboundMail) == 10_000
