"""The `qap` command line: parses options, calls one library function per command, prints results."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline import __version__
from pipeline.workspace import ENV_VAR, Workspace, find_workspace

F = TypeVar("F", bound=Callable[..., Any])


def workspace_option(func: F) -> F:
    """Add --workspace to a command; it overrides the one given before the command name."""
    return click.option(
        "--workspace",
        "workspace_dir",
        type=click.Path(file_okay=False, path_type=str),
        default=None,
        help=f"Workspace folder (default: ${ENV_VAR}, else the current folder).",
    )(func)


def _workspace(ctx: click.Context, workspace_dir: str | None) -> Workspace:
    return find_workspace(workspace_dir or ctx.obj.get("workspace_dir"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qap")
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help=f"Workspace folder (default: ${ENV_VAR}, else the current folder).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log each step to standard error.")
@click.pass_context
def cli(ctx: click.Context, workspace_dir: str | None, verbose: bool) -> None:
    """qap: multi-agency audit returns in, draft reports and the recommendations tracker out."""
    ctx.ensure_object(dict)
    ctx.obj["workspace_dir"] = workspace_dir
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
def init(directory: Path) -> None:
    """Create a workspace in DIRECTORY (default: here); existing files are never overwritten."""
    from pipeline.workspace import init_workspace

    made = init_workspace(directory)
    click.echo(f"Workspace ready at {directory.resolve()}")
    for path in made:
        click.echo(f"  created {path}")
    if not made:
        click.echo("  (everything was already there; nothing overwritten)")
    click.echo(
        f"Next: edit {directory / 'qap.toml'} with your partnership's agencies, then `qap audits`."
    )


@cli.command()
@workspace_option
@click.pass_context
def audits(ctx: click.Context, workspace_dir: str | None) -> None:
    """List the audits defined in the workspace."""
    from pipeline.definitions import load_catalogue

    workspace = _workspace(ctx, workspace_dir)
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    if not catalogue.audits:
        click.echo(f"No audits defined yet: add a definition to {workspace.audits_dir}.")
    for audit in catalogue.audits:
        repeat = f" (repeats {audit.repeat_of})" if audit.repeat_of else ""
        click.echo(
            f"{audit.id:<28} {audit.title}{repeat}\n"
            f"{'':<28} programme {audit.programme}, deadline {audit.deadline:%d %b %Y}, "
            f"{len(audit.agencies)} agencies, {len(audit.questions)} questions"
        )
    for error in catalogue.broken:
        click.echo(f"Could not load: {error.format_message()}", err=True)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
@click.pass_context
def check(ctx: click.Context, file: Path, workspace_dir: str | None) -> None:
    """Check an audit definition FILE; each problem names its line and the fix."""
    from pipeline.definition_check import check_definition_file

    workspace = _definition_workspace(ctx, workspace_dir, file)
    audit = check_definition_file(file, workspace)
    click.echo(
        f"{file}: OK, audit {audit.id!r} with {len(audit.sections)} sections and "
        f"{len(audit.questions)} questions."
    )


def _definition_workspace(ctx: click.Context, workspace_dir: str | None, file: Path) -> Workspace:
    """The workspace given, else the one the definition file sits in."""
    from pipeline.errors import WorkspaceError

    try:
        return _workspace(ctx, workspace_dir)
    except WorkspaceError:
        candidate = file.resolve().parent.parent.parent
        if (candidate / "qap.toml").is_file():
            return Workspace(candidate)
        raise


@cli.command()
@click.argument("audit_id", metavar="AUDIT")
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    metavar="KEY",
    help="Only this agency (repeat for more); default: every agency in the audit.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["docx", "xlsx", "both"]),
    default="both",
    show_default=True,
    help="Word, Excel or both.",
)
@workspace_option
@click.pass_context
def forms(
    ctx: click.Context,
    audit_id: str,
    agencies: tuple[str, ...],
    fmt: str,
    workspace_dir: str | None,
) -> None:
    """Write each agency's signed return forms for AUDIT into outbox/forms/AUDIT/."""
    from pipeline.forms.issue import forms_folder, issue_forms

    workspace = _workspace(ctx, workspace_dir)
    formats = ("docx", "xlsx") if fmt == "both" else (fmt,)
    issued = issue_forms(workspace, audit_id, agencies, formats)
    folder = forms_folder(workspace, audit_id).relative_to(workspace.root)
    click.echo(f"Wrote forms for {audit_id} into {folder}/:")
    for form in issued:
        names = ", ".join(p.name for p in form.paths)
        if form.previous is None:
            click.echo(f"  {form.agency.key}: {names}")
        else:
            click.echo(
                f"  {form.agency.key}: {names} (version {form.version}: {form.agency.key} already "
                f"had version {form.previous}, which is kept, not overwritten)"
            )


def main() -> None:
    """Entry point of the `qap` console script."""
    cli(obj={})
