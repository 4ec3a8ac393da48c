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
@click.argument("audit_id", metavar="AUDIT", required=False)
@click.option(
    "--updates",
    "updates_agency",
    metavar="AGENCY",
    default=None,
    help="Instead: write AGENCY's progress-update form (its open tracker actions).",
)
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
    updates_agency: str | None = None,
) -> None:
    """Write each agency's signed return forms for AUDIT into outbox/forms/AUDIT/.

    With --updates AGENCY, write that agency's progress-update forms into outbox/forms/updates/.
    """
    from pipeline.forms.issue import forms_folder, issue_forms

    workspace = _workspace(ctx, workspace_dir)
    if updates_agency is not None:
        _update_forms(workspace, updates_agency)
        return
    if audit_id is None:
        raise click.UsageError("Name the AUDIT to write forms for, or use --updates AGENCY.")
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


def _update_forms(workspace: Workspace, agency_key: str) -> None:
    """`qap forms --updates AGENCY`: the agency's progress-update forms."""
    from pipeline.tracker.update_forms import write_update_forms

    paths = write_update_forms(workspace, agency_key)
    if not paths:
        click.echo(
            f"{agency_key} has no open actions in the tracker, so no update form was written."
        )
    for path in paths:
        click.echo(f"Wrote {path.relative_to(workspace.root)}")


def _echo_progress(index: int, total: int, outcome: Any) -> None:
    """Print one processed file's outcome with a running count."""
    click.echo(f"[{index}/{total}] {outcome.describe()}")


def _echo_waiting(message: str) -> None:
    click.echo(message, err=True)


@cli.command()
@click.option(
    "--quiet-period",
    type=float,
    default=None,
    metavar="SECONDS",
    help="How long a file must stay unchanged before it is read (default: qap.toml).",
)
@workspace_option
@click.pass_context
def run(ctx: click.Context, quiet_period: float | None, workspace_dir: str | None) -> None:
    """Process every file in the inbox once, then update the draft reports and the tracker."""
    from pipeline.intake import run_inbox

    workspace = _workspace(ctx, workspace_dir)
    summary = run_inbox(workspace, _echo_progress, quiet=quiet_period, on_wait=_echo_waiting)
    click.echo(summary.describe())


@cli.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--audit", "audit_id", metavar="ID", help="The audit these files are for, if qap cannot tell."
)
@click.option(
    "--agency", "agency_key", metavar="KEY", help="The agency that sent them, if qap cannot tell."
)
@workspace_option
@click.pass_context
def ingest(
    ctx: click.Context,
    files: tuple[Path, ...],
    audit_id: str | None,
    agency_key: str | None,
    workspace_dir: str | None,
) -> None:
    """Bring FILES into the workspace and process them (the originals are left where they are)."""
    from pipeline.intake import ingest_files

    workspace = _workspace(ctx, workspace_dir)
    summary = ingest_files(
        workspace,
        files,
        audit_id=audit_id,
        agency_key=agency_key,
        progress=_echo_progress,
        on_wait=_echo_waiting,
    )
    click.echo(summary.describe())


@cli.command()
@click.option(
    "--poll",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="Check the folder every SECONDS instead of waiting for change events "
    "(use this for network shares).",
)
@workspace_option
@click.pass_context
def watch(ctx: click.Context, poll: float | None, workspace_dir: str | None) -> None:
    """Watch the inbox and process returns as they arrive, until Ctrl+C."""
    import datetime as dt

    from pipeline.watch import watch as watch_inbox

    workspace = _workspace(ctx, workspace_dir)
    how = f"checking every {poll:g} seconds" if poll else "watching for changes"
    click.echo(f"Watching {workspace.inbox} ({how}). Press Ctrl+C to stop.")
    watch_inbox(
        workspace,
        poll,
        on_outcome=lambda o: click.echo(f"{dt.datetime.now():%H:%M:%S} {o.describe()}"),
        on_wait=_echo_waiting,
    )
    click.echo("Stopped.")


@cli.command()
@click.argument("audit_id", metavar="[AUDIT]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@workspace_option
@click.pass_context
def status(
    ctx: click.Context, audit_id: str | None, as_json: bool, workspace_dir: str | None
) -> None:
    """Which agencies have returned each audit, which are outstanding, and days to the deadline."""
    import json

    from pipeline.status import audit_status

    statuses = audit_status(_workspace(ctx, workspace_dir), audit_id)
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in statuses], indent=2, ensure_ascii=False))
    else:
        click.echo("\n\n".join(s.describe() for s in statuses) or "No audits defined yet.")


@cli.command()
@click.argument("audit_id", metavar="AUDIT")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="CSV (opens in Excel) or JSON.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of the screen.",
)
@workspace_option
@click.pass_context
def export(
    ctx: click.Context, audit_id: str, fmt: str, output: Path | None, workspace_dir: str | None
) -> None:
    """Every current answer of AUDIT: agency, case, question id, question, value."""
    import sys

    from pipeline.export import export_audit

    workspace = _workspace(ctx, workspace_dir)
    if output is None:
        export_audit(workspace, audit_id, fmt, sys.stdout)
        return
    # A BOM lets Excel open the CSV as UTF-8 rather than guessing a Windows code page.
    with output.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as out:
        rows = export_audit(workspace, audit_id, fmt, out)
    click.echo(f"Wrote {rows} answers of {audit_id} to {output}.")


@cli.command()
@workspace_option
@click.pass_context
def tracker(ctx: click.Context, workspace_dir: str | None) -> None:
    """Update the recommendations tracker now from every return received; print what changed."""
    from pipeline.tracker import update_tracker

    result = update_tracker(_workspace(ctx, workspace_dir))
    click.echo(result.message)
    for entry in result.changes:
        where = f" ({entry.column})" if entry.column else ""
        detail = f": {entry.detail}" if entry.detail else ""
        click.echo(f"  {entry.ref}{where} {entry.change}{detail}")


@cli.command()
@click.argument("audit_id", metavar="AUDIT")
@click.option("--pdf", is_flag=True, help="Also write a PDF of the draft (needs LibreOffice).")
@workspace_option
@click.pass_context
def report(ctx: click.Context, audit_id: str, pdf: bool, workspace_dir: str | None) -> None:
    """Write the next draft report of AUDIT from the returns received so far; print its paths."""
    from pipeline.report import write_draft_report

    result = write_draft_report(_workspace(ctx, workspace_dir), audit_id, pdf=pdf)
    click.echo(f"Draft v{result.version} of {audit_id}: {result.path}")
    click.echo(f"Latest copy: {result.latest_path}")
    if result.pdf_path is not None:
        click.echo(f"PDF: {result.pdf_path}")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object, for scripts.")
@workspace_option
@click.pass_context
def validate(ctx: click.Context, file: Path, as_json: bool, workspace_dir: str | None) -> None:
    """Show what qap would read from FILE (identity, answers, cases, actions, issues); store nothing."""
    import json

    from pipeline.inspect import ACCEPTED_OUTCOMES, inspect_file, render_inspection

    result = inspect_file(_workspace(ctx, workspace_dir), file)
    click.echo(
        json.dumps(result, ensure_ascii=False, indent=2) if as_json else render_inspection(result)
    )
    if result["outcome"] not in ACCEPTED_OUTCOMES:
        ctx.exit(1)


@cli.command()
@workspace_option
@click.pass_context
def demo(ctx: click.Context, workspace_dir: str | None) -> None:
    """Run the whole job on the sample audits: forms, filled returns, inbox, reports, tracker."""
    from pipeline.demo.run import run_demo

    result = run_demo(_workspace(ctx, workspace_dir), click.echo)
    click.echo(result.describe())


def main() -> None:
    """Entry point of the `qap` console script."""
    cli(obj={})
