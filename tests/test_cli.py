import git
import pytest
import yaml
from click.testing import CliRunner

from auth_gateway import content, publish
from auth_gateway.cli import main
from auth_gateway.instance import InstancePaths
from tests.conftest import PASSWORD


def run(instance_root, *args, input=None):
    return CliRunner().invoke(main, ["--instance", str(instance_root), *args], input=input)


def test_init_demo_twice_creates_everything_then_destroys_nothing(tmp_path):
    root = tmp_path / "instance"
    first = run(root, "init", "--demo")
    assert first.exit_code == 0, first.output
    assert "Comptes de démonstration" in first.output
    assert "administrateur·rice" in first.output and "animateur·rice" in first.output
    paths = InstancePaths(root)
    settings, commit = paths.settings_file.read_text(), git.Repo(paths.content_dir).head.commit.hexsha
    live = publish.live_commit(paths)
    assert live == commit
    accounts = yaml.safe_load(paths.demo_accounts_file.read_text())
    assert {a["role"] for a in accounts} == {"admin", "animator", "member"}
    assert len({(a["structure"], a["region"]) for a in accounts if a["role"] == "member"}) == 2
    second = run(root, "init", "--demo")
    assert second.exit_code == 0, second.output
    assert "Créé" not in second.output and "déjà en ligne" in second.output
    assert paths.settings_file.read_text() == settings
    assert git.Repo(paths.content_dir).head.commit.hexsha == commit
    assert yaml.safe_load(paths.demo_accounts_file.read_text()) == accounts
    for account in accounts:  # the printed passwords are the ones that work
        assert f"{account['email']} / {account['password']}" in second.output
    listing = run(root, "member", "list")
    assert listing.output.count("\n") == 4


@pytest.fixture
def root(instance):
    return instance.root


def test_member_add_list_and_set_role(root):
    added = run(root, "member", "add", "--email", "Lea.Roux@Apec.fr", "--name", "Léa Roux", "--structure", "apec",
                "--region", "provence-alpes-côte d'azur", "--role", "animator", "--password-stdin", input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "Membre ajouté : Lea.Roux@Apec.fr (animator)." in added.output
    listing = run(root, "member", "list").output
    assert "Lea.Roux@Apec.fr\tLéa Roux\tanimator\tactive\tApec\tProvence-Alpes-Côte d'Azur" in listing
    changed = run(root, "member", "set-role", "--email", "lea.roux@apec.fr", "--role", "admin")
    assert changed.exit_code == 0 and "admin" in run(root, "member", "list").output


@pytest.mark.parametrize("args, message", [
    (["--structure", "Cabinet RH", "--region", "Bretagne"], "Structure inconnue : « Cabinet RH »"),
    (["--structure", "Apec", "--region", "Rhône-Alpes"], "Région inconnue : « Rhône-Alpes »"),
    (["--structure", "Apec", "--region", "Bretagne", "--role", "manager"], "Rôle inconnu"),
])
def test_member_add_refuses_unknown_values_in_french(root, args, message):
    result = run(root, "member", "add", "--email", "x@apec.fr", "--name", "X", *args, "--password-stdin",
                 input=PASSWORD + "\n")
    assert result.exit_code != 0 and message in result.output
    assert "x@apec.fr" not in run(root, "member", "list").output


def test_member_add_refuses_a_short_password(root):
    result = run(root, "member", "add", "--email", "x@apec.fr", "--name", "X", "--structure", "Apec",
                 "--region", "Bretagne", "--password-stdin", input="court\n")
    assert result.exit_code != 0 and "au moins 10 caractères" in result.output


def test_failing_build_exits_non_zero_with_a_readable_message(root, instance):
    live = publish.live_commit(instance)
    repo = git.Repo(instance.content_dir)
    (instance.content_dir / "mkdocs.yml").write_text("site_name: [\n", encoding="utf-8")
    repo.git.add("--all")
    content.commit(repo, "Break the config")
    result = run(root, "build")
    assert result.exit_code == 1
    assert "Échec de la construction" in result.output and "Le site précédent reste en ligne." in result.output
    assert publish.live_commit(instance) == live


def test_db_upgrade_is_idempotent_and_renders_old_comments_again(root, services):
    from discussions import services as discussions
    from discussions.models import Comment

    with services.database.write() as session:
        comment = discussions.post_comment(session, author_id=1, body="*ancien*", page_path="index.md")
        comment.html, comment.policy_version = "<p>ancien rendu</p>", 0
    result = run(root, "db", "upgrade")
    assert result.exit_code == 0 and "Base de données à jour" in result.output
    assert "commentaires re-rendus : 1" in result.output
    with services.database.session() as session:
        assert session.get(Comment, comment.id).html == "<p><em>ancien</em></p>"
    assert "commentaires re-rendus : 0" in run(root, "db", "upgrade").output


def test_suspend_reactivate_and_set_password(root, member):
    assert "suspended" in run(root, "member", "suspend", "--email", member.email).output
    assert "\tsuspended\t" in run(root, "member", "list").output
    assert run(root, "member", "reactivate", "--email", member.email).exit_code == 0
    changed = run(root, "member", "set-password", "--email", member.email, "--password-stdin",
                  input="une phrase de passe neuve\n")
    assert changed.exit_code == 0 and "Mot de passe de" in changed.output
    unknown = run(root, "member", "suspend", "--email", "personne@apec.fr")
    assert unknown.exit_code != 0 and "Aucun membre avec l'adresse personne@apec.fr" in unknown.output
