"""``flask backup create|restore FOLDER``: the database and the stored files together."""

import click
from flask.cli import AppGroup

group = AppGroup("backup", help="Back up or restore the database and the stored files together.")


@group.command("create")
@click.argument("folder", type=click.Path(file_okay=False))
def create_command(folder):
    """Copy the database, then every stored file, into FOLDER (new or empty)."""
    from ..infra import backup

    try:
        manifest = backup.create(folder)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the {manifest['database']} database (revision {manifest['revision']}) "
               f"and files {manifest['files']} into {folder}.")


@group.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask: the current data is replaced.")
def restore_command(folder, yes):
    """Replace the database and the stored files with FOLDER's (stop the web and worker first)."""
    from ..infra import backup

    if not yes:
        click.confirm("This replaces the database and every stored file. Go on?", abort=True)
    try:
        manifest = backup.restore(folder)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored the backup of {manifest['created_at']} (revision {manifest['revision']}). "
               f"Run `flask db upgrade` if this portal is newer.")
