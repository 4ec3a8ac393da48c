"""`qap demo`: issue the sample audits' forms, fill them as agencies would, drop them into the inbox,
process them, and say where the draft reports, tracker, receipts and quarantine are.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.definitions import Catalogue, load_catalogue
from pipeline.demo.make import make_return
from pipeline.demo.plan import AUDITS, PLAN, SCAN, Planned
from pipeline.demo.safety import claim_for_demo, remember
from pipeline.errors import WorkspaceError
from pipeline.forms.issue import issue_forms
from pipeline.intake import RunSummary, ingest_files
from pipeline.ledger import QUARANTINED, open_ledger
from pipeline.model import RETURN_FORM
from pipeline.processing import Outcome
from pipeline.report import reports_folder
from pipeline.report.versions import draft_path, existing_versions
from pipeline.status import AuditStatus, audit_status
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

Say = Callable[[str], None]
FRESH = "Run the demo in a fresh folder: `qap init DIR` then `qap --workspace DIR demo`."


@dataclass(frozen=True)
class Replaced:
    """A return sent again: the file it replaced and the one now counted."""

    audit_id: str
    agency_key: str
    earlier: str
    current: str


@dataclass(frozen=True)
class DemoResult:
    """What the demo made and where it is, for the closing summary."""

    root: Path
    outcomes: tuple[Outcome, ...]
    reports: tuple[Path, ...]
    tracker: Path
    receipts: Path
    quarantine: Path
    late: tuple[tuple[str, str, dt.date], ...]
    replaced: tuple[Replaced, ...]
    statuses: tuple[AuditStatus, ...]
    problems: tuple[str, ...] = ()

    def quarantined(self) -> tuple[Outcome, ...]:
        """The files set aside, each with its reason."""
        return tuple(o for o in self.outcomes if o.outcome == QUARANTINED)

    def describe(self) -> str:
        """Where everything is, what needs a look, and the status of each demo audit."""
        lines = ["", "Draft reports (open in Word):"]
        lines += [f"  {path}" for path in self.reports]
        lines += ["Tracker (open in Excel):", f"  {self.tracker}"]
        count = sum(1 for p in self.receipts.rglob("*.txt"))
        lines += [f"Receipts ({count}, one per return, to send back to agencies):"]
        lines += [f"  {self.receipts}"]
        held = self.quarantined()
        lines += [f"Quarantine ({len(held)} file{'s' * (len(held) != 1)} set aside, with notes):"]
        lines += [f"  {self.quarantine}"]
        for outcome in held:
            lines.append(f"  - {outcome.file_name}: {outcome.reason}")
            lines.append(f"    note: {self.root / outcome.stored_path}.txt")
        if self.late:
            lines.append("Late returns (received after the deadline):")
            for audit_id, agency, deadline in self.late:
                lines.append(f"  - {audit_id}: {agency} (deadline {deadline:%d %b %Y})")
        for item in self.replaced:
            lines.append(
                f"Resubmitted: {item.agency_key} sent {item.audit_id} again; "
                f'"{item.current}" replaces "{item.earlier}" (both kept in the archive).'
            )
        lines += list(self.problems)
        lines += ["", "Status (what `qap status` shows):", ""]
        lines.append("\n\n".join(s.describe() for s in self.statuses))
        return "\n".join(lines)


def _issue(workspace: Workspace, say: Say) -> dict[tuple[str, str], dict[str, Path]]:
    """Every agency's Word and Excel forms for the demo audits, by (audit, agency) and format."""
    forms: dict[tuple[str, str], dict[str, Path]] = {}
    for audit_id in AUDITS:
        for issued in issue_forms(workspace, audit_id):
            forms[audit_id, issued.agency.key] = {p.suffix[1:]: p for p in issued.paths}
    files = sum(len(f) for f in forms.values())
    say(
        f"Forms: wrote {files} signed Word and Excel forms for {len(AUDITS)} audits into outbox/forms/."
    )
    return forms


Forms = dict[tuple[str, str], dict[str, Path]]


def _make(
    workspace: Workspace, catalogue: Catalogue, forms: Forms, staging: Path, today: dt.date
) -> list[tuple[Planned, Path]]:
    """Every planned file, made in a private folder and listed in the demo marker."""
    partnership = workspace.partnership()
    made: list[tuple[Planned, Path]] = []
    for planned in PLAN:
        folder = staging / str(planned.batch)
        folder.mkdir(parents=True, exist_ok=True)
        path = make_return(
            planned,
            catalogue.get(planned.audit_id),
            forms.get((planned.audit_id, planned.agency_key), {}),
            folder / planned.file_name,
            partnership,
            today,
        )
        made.append((planned, path))
    # Listed before they reach the inbox, so even an interrupted demo only leaves files it knows.
    remember(workspace, (path for _, path in made))
    return made


def _drop(workspace: Workspace, made: list[tuple[Planned, Path]], batch: int) -> list[Path]:
    """Move one batch into the inbox, as the mailbox rule saving attachments would."""
    dropped = []
    for planned, path in made:
        if planned.batch == batch:
            os.replace(path, workspace.inbox / path.name)
            dropped.append(workspace.inbox / path.name)
    return dropped


def _process(workspace: Workspace, files: list[Path], say: Say) -> RunSummary:
    say("Reading the inbox, one file at a time as `qap run` and `qap watch` do:")
    # Only the demo's own files: anything else in the inbox is the coordinator's.
    # They are complete when they land, so there is no quiet period to wait out either.
    summary = ingest_files(workspace, files)
    for line in summary.describe().splitlines():
        say(f"  {line}")
    return summary


def _reports(workspace: Workspace) -> tuple[Path, ...]:
    found = []
    for audit_id in AUDITS:
        folder = reports_folder(workspace, audit_id)
        versions = existing_versions(folder, audit_id)
        if versions:
            found.append(draft_path(folder, audit_id, versions[-1]))
    return tuple(found)


def _replaced(workspace: Workspace) -> tuple[Replaced, ...]:
    found = []
    with open_ledger(workspace) as ledger:
        for audit_id, agency_key in sorted({(p.audit_id, p.agency_key) for p in PLAN}):
            history = [
                h for h in ledger.history(audit_id, agency_key) if h.data.kind == RETURN_FORM
            ]
            if len(history) > 1:
                found.append(
                    Replaced(
                        audit_id, agency_key, history[-2].data.file_name, history[-1].data.file_name
                    )
                )
    return tuple(found)


def _late(statuses: list[AuditStatus]) -> tuple[tuple[str, str, dt.date], ...]:
    return tuple(
        (status.audit_id, item.agency_name, status.deadline)
        for status in statuses
        for item in status.returned
        if item.received_at.astimezone().date() > status.deadline
    )


def _styles() -> str:
    styles = list(dict.fromkeys(p.style for p in PLAN if p.style != SCAN))
    return ", ".join(styles[:-1]) + f" or {styles[-1]}"


def run_demo(workspace: Workspace, say: Say, *, today: dt.date | None = None) -> DemoResult:
    """The whole job on a demo workspace: forms out, returns in, reports and tracker out."""
    today = today or dt.date.today()
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    missing = [a for a in AUDITS if a not in {x.id for x in catalogue.audits}]
    if missing:
        raise WorkspaceError(
            f"{workspace.audits_dir} lacks the sample audits the demo uses ({', '.join(missing)}). "
            + FRESH
        )
    cleared = claim_for_demo(workspace)
    say(
        f"Workspace: {workspace.root}"
        + (" (the previous demo's files were cleared first)" if cleared else "")
    )
    forms = _issue(workspace, say)
    staging = workspace.private / "demo-staging"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        made = _make(workspace, catalogue, forms, staging, today)
        first = _drop(workspace, made, 1)
        say(f"Returns: {len(first)} files arrive in inbox/ from the agencies, as {_styles()}.")
        say("  One return is incomplete, last year's audit comes in late, one file is a scan.")
        first_run = _process(workspace, first, say)
        outcomes = list(first_run.outcomes)
        later = _drop(workspace, made, 2)
        say(f"A week later: {len(later)} corrected return arrives and replaces the incomplete one.")
        second = _process(workspace, later, say)
        outcomes += second.outcomes
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    statuses = audit_status(workspace, today=today)
    shown = [s for s in statuses if s.audit_id in AUDITS]
    tracker = workspace.tracker_path()
    return DemoResult(
        root=workspace.root,
        outcomes=tuple(outcomes),
        reports=_reports(workspace),
        tracker=tracker,
        receipts=workspace.outbox / "receipts",
        quarantine=workspace.quarantine,
        late=_late(shown),
        replaced=_replaced(workspace),
        statuses=tuple(shown),
        problems=tuple(dict.fromkeys((*first_run.problems, *second.problems))),
    )
