"""The `entrepairs` command: thin wrappers around the gateway's functions."""

import multiprocessing
import sys
from pathlib import Path

import click

from auth_gateway import (audit, content, create_app, default_instance_path, demo, imports, mail, members,
                          indexing, migrate, practice, publish)
from auth_gateway.builder import BuildError
from auth_gateway.i18n import translate
from auth_gateway.instance import init_instance
from auth_gateway.members import MemberError
from auth_gateway.models import AuditKind, Status
from discussions import services as discussions


def _app(ctx):
    return create_app({"INSTANCE_PATH": ctx.obj["instance"]})


def _services(app):
    return app.extensions["entrepairs"]


@click.group()
@click.option("--instance", type=click.Path(file_okay=False, path_type=Path), envvar="ENTREPAIRS_INSTANCE",
              help="Instance folder (default: ENTREPAIRS_INSTANCE, else Flask's instance folder).")
@click.pass_context
def main(ctx, instance):
    """Run a community of practice: a knowledge base and its gateway."""
    ctx.obj = {"instance": (instance or Path(default_instance_path())).resolve()}


@main.command()
@click.option("--demo", "with_demo", is_flag=True, help="Also create demo accounts and print them.")
@click.pass_context
def init(ctx, with_demo):
    """Create the instance (config, database, content repo, first build); keep what exists."""
    paths, created = init_instance(ctx.obj["instance"])
    click.echo(translate("cli.init.instance", path=paths.root))
    for what in created:
        click.echo(translate("cli.init.created", what=what))
    app = _app(ctx)
    services = _services(app)
    _upgrade(services)
    _publish_or_exit(services)
    if with_demo:
        click.echo(translate("cli.init.demo_accounts"))
        for account in demo.ensure_demo_accounts(paths, services.database, services.community):
            click.echo(translate("cli.init.demo_account", role=translate(f"role.{account['role']}"),
                                 email=account["email"],
                                 password=account["password"], structure=account["structure"],
                                 region=account["region"]))


@main.command()
@click.pass_context
def build(ctx):
    """Build the content repo's HEAD and make it the live site if the build succeeds."""
    _publish_or_exit(_services(_app(ctx)))


def _publish_or_exit(services):
    try:
        result = publish.publish(services.paths, services.database)
    except BuildError as error:
        commit = content.head_commit(services.paths.content_dir)
        click.echo(translate("cli.build.failed", commit=commit[:10], reason=error), err=True)
        if error.log:
            click.echo(error.log, err=True)
        sys.exit(1)
    key = "cli.build.ok" if result.changed else "cli.build.unchanged"
    click.echo(translate(key, commit=result.commit[:10], seconds=result.seconds))


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx):
    """Apply the missing schema migrations; render again comments of an older policy."""
    _upgrade(_services(_app(ctx.parent)))


def _upgrade(services):
    """Migrate the schema, then render again comments stored under an older sanitising policy."""
    revision = migrate.upgrade(services.database)
    with services.database.write() as session:
        rerendered = discussions.rerender_outdated(session)
    click.echo(translate("cli.db.upgraded", revision=revision, rerendered=rerendered))


@main.group()
def member():
    """Members of the community."""


def _change_member(ctx, change):
    """Run ``change(session, community)`` in one write transaction; French error on refusal."""
    services = _services(_app(ctx.parent))
    try:
        with services.database.write() as session:
            return change(session, services.community)
    except MemberError as error:
        raise click.ClickException(translate(error.key, **error.values)) from None


def _logged(session, member, kind, detail):
    """Record a change made at the command line in the audit log; return the member."""
    audit.record(session, kind, subject=member.email, detail=detail, address="cli")
    return member


def _read_password():
    return sys.stdin.readline().rstrip("\r\n")


@member.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", default="member", show_default=True, help="member, animator or admin")
@click.option("--structure", required=True, help="A structure of community.yml, e.g. \"Cap emploi\".")
@click.option("--region", required=True, help="A region of community.yml, e.g. \"Auvergne-Rhône-Alpes\".")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@click.pass_context
def member_add(ctx, email, name, role, structure, region, password_stdin):
    """Add an active member."""
    password = _read_password()
    added = _change_member(ctx, lambda session, community: members.add_member(
        session, community, email=email, name=name, structure=structure, region=region, password=password, role=role))
    click.echo(translate("cli.member.added", email=added.email, role=added.role))


@member.command("list")
@click.pass_context
def member_list(ctx):
    """List members: e-mail, name, role, status, structure, region (tab-separated)."""
    services = _services(_app(ctx.parent))
    with services.database.session() as session:
        for m in members.list_members(session):
            click.echo("\t".join((m.email, m.display_name, m.role, m.status, m.structure, m.region)))


@member.command("set-role")
@click.option("--email", required=True)
@click.option("--role", required=True, help="member, animator or admin")
@click.pass_context
def member_set_role(ctx, email, role):
    """Change a member's role."""
    changed = _change_member(ctx, lambda session, _: _logged(session, members.set_role(session, email, role),
                                                             AuditKind.ROLE_CHANGED, role))
    click.echo(translate("cli.member.role_set", email=changed.email, role=changed.role))


@member.command("suspend")
@click.option("--email", required=True)
@click.pass_context
def member_suspend(ctx, email):
    """Suspend a member: she is logged out everywhere and cannot log in."""
    changed = _change_member(ctx, lambda session, _: _logged(
        session, members.set_status(session, email, Status.SUSPENDED), AuditKind.STATUS_CHANGED, Status.SUSPENDED))
    click.echo(translate("cli.member.status_set", email=changed.email, status=changed.status))


@member.command("reactivate")
@click.option("--email", required=True)
@click.pass_context
def member_reactivate(ctx, email):
    """Let a suspended member in again (her old sessions stay dead)."""
    changed = _change_member(ctx, lambda session, _: _logged(
        session, members.set_status(session, email, Status.ACTIVE), AuditKind.STATUS_CHANGED, Status.ACTIVE))
    click.echo(translate("cli.member.status_set", email=changed.email, status=changed.status))


@member.command("set-password")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@click.pass_context
def member_set_password(ctx, email, password_stdin):
    """Set a member's password; every session of hers ends."""
    password = _read_password()
    changed = _change_member(ctx, lambda session, _: members.set_password(session, email, password))
    click.echo(translate("cli.member.password_set", email=changed.email))


@member.command("import")
@click.argument("csv_file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check and show what would happen; write nothing.")
@click.pass_context
def member_import(ctx, csv_file, dry_run):
    """Invite the members of a CSV file (email, name, structure, region, role)."""
    app = _app(ctx.parent)
    services = _services(app)
    data = csv_file.read(imports.MAX_IMPORT_BYTES + 1)
    with app.app_context(), services.database.write() as session:
        try:
            lines = imports.plan(session, services.community, data)
        except imports.CsvImportError as error:
            raise click.ClickException(str(error)) from None
        for line in lines:
            click.echo(translate(f"import.line.{line.action}", line=line.number, email=line.email, name=line.name,
                                 role=line.role, structure=line.structure, region=line.region,
                                 errors=" ; ".join(line.errors)))
        counts = {action: sum(line.action == action for line in lines) for action in ("create", "unchanged", "error")}
        click.echo(translate("import.summary", **counts))
        if counts["error"]:
            raise click.ClickException(translate("import.has_errors"))
        if dry_run:
            click.echo(translate("import.dry_run"))
            return
        created = imports.apply(session, services.community, lines)
    click.echo(translate("import.done", count=created))


@member.command("check-practice")
@click.pass_context
def member_check_practice(ctx):
    """Yearly check (run it daily): remind members to confirm they practise, suspend the others."""
    app = _app(ctx.parent)
    services = _services(app)
    config = app.config
    with app.app_context(), services.database.write() as session:
        reminded, suspended = practice.check(session, period_days=config["PRACTICE_CONFIRMATION_DAYS"],
                                             reminder_days=config["PRACTICE_REMINDER_DAYS"])
        for member in reminded:
            mail.queue(session, member.email, "practice_reminder", name=member.display_name,
                       days=config["PRACTICE_REMINDER_DAYS"], link=mail.public_link("account.confirm_practice"))
        for member in suspended:
            mail.queue(session, member.email, "practice_suspended", name=member.display_name)
            audit.record(session, AuditKind.STATUS_CHANGED, subject=member.email, detail=Status.SUSPENDED,
                         address="cli")
    click.echo(translate("cli.practice.checked", reminded=len(reminded), suspended=len(suspended)))


@main.command()
@click.pass_context
def reindex(ctx):
    """Rebuild the search index from the live build and the database (beside, then swapped)."""
    services = _services(_app(ctx))
    build = publish.load_live_build(services.paths)
    try:
        count = indexing.rebuild(services.paths, services.database, build.root if build else None)
    except indexing.IndexRebuilding:
        raise click.ClickException(translate("cli.reindex.running")) from None
    click.echo(translate("cli.reindex.done", count=count))


@main.group("mail")
def mail_group():
    """E-mails waiting to be delivered."""


@mail_group.command("deliver")
@click.pass_context
def mail_deliver(ctx):
    """Deliver the e-mails that are due (the server also does it every few seconds)."""
    sent, failed = mail.deliver_for(_app(ctx.parent))
    click.echo(translate("cli.mail.delivered", sent=sent, failed=failed))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=multiprocessing.cpu_count(), show_default=True, type=int,
              help="Worker processes (gunicorn).")
@click.pass_context
def serve(ctx, host, port, workers):
    """Serve the community with gunicorn (a production WSGI server)."""
    from auth_gateway.server import run

    app = _app(ctx)
    click.echo(translate("cli.serve.listening", host=host, port=port))
    run(app, host=host, port=port, workers=workers)
