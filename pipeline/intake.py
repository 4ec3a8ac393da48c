"""Intake: `process_file` (shared by `qap run`, `qap ingest` and `qap watch`) and the batch runs.

A batch takes the workspace lock, finishes anything an interrupted run left, processes every
complete file, then rebuilds each touched audit's draft report and the tracker once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import TrackerBusy, UnknownAuditError
from pipeline.inbox import InboxScanner
from pipeline.ledger import ACCEPTED, DUPLICATE, QUARANTINED, Ledger, open_ledger
from pipeline.ledger_rows import utc_now
from pipeline.lock import workspace_lock
from pipeline.processing import (
    Context,
    Outcome,
    checkpoint,
    load_context,
    process_claimed,
    process_path,
    recover,
)
from pipeline.store import claim_copy
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.report import DraftInputs

log = logging.getLogger(__name__)

Progress = Callable[[int, int, Outcome], None]
WaitNotice = Callable[[str], None]
# Kept in the ledger's list of pending outputs when Excel held the tracker open.
TRACKER_PENDING = "*tracker*"
WAITING = "waiting"


@dataclass(frozen=True)
class RunSummary:
    """What a run did: each file's outcome, files left waiting, and the outputs rebuilt."""

    outcomes: tuple[Outcome, ...] = ()
    waiting: tuple[str, ...] = ()
    reports: tuple[str, ...] = ()
    tracker: bool = False
    problems: tuple[str, ...] = ()

    def count(self, outcome: str, with_issues: bool | None = None) -> int:
        """How many files had this outcome (accepted ones split by whether they had issues)."""
        return sum(
            1
            for o in self.outcomes
            if o.outcome == outcome and (with_issues is None or bool(o.issues) == with_issues)
        )

    def describe(self) -> str:
        """A closing summary for the coordinator."""
        lines: list[str] = []
        if self.outcomes:
            total = len(self.outcomes)
            lines.append(
                f"{total} file{'s' * (total != 1)} processed: "
                f"{self.count(ACCEPTED, False)} accepted, "
                f"{self.count(ACCEPTED, True)} accepted with issues, "
                f"{self.count(DUPLICATE)} duplicate, {self.count(QUARANTINED)} quarantined."
            )
        elif not self.waiting:
            lines.append("Nothing to do: no new files in the inbox.")
        if self.waiting:
            lines.append(
                f"Still being copied, left in the inbox for next time: {', '.join(self.waiting)}."
            )
        if self.reports:
            lines.append(f"Draft reports updated: {', '.join(self.reports)}.")
        if self.tracker:
            lines.append("Tracker updated.")
        lines += list(self.problems)
        return "\n".join(lines)


def _rebuild_outputs(ctx: Context, ledger: Ledger) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
    """Rebuild each touched audit's report and the tracker once; failures never block intake."""
    pending = ledger.dirty_audits()
    if not pending:
        return (), False, ()
    checkpoint("before-outputs")
    known = {a.id for a in ctx.catalogue.audits}
    audits = [a for a in pending if a in known]
    reports: list[str] = []
    problems: list[str] = []
    try:
        from pipeline.report import load_inputs, write_draft_report
    except ImportError:
        log.info("report module not available; draft reports not rebuilt")
    else:
        inputs: DraftInputs | None = None
        for audit_id in audits:
            try:
                # The ledger and tracker are read once for all the run's drafts (again after a failure).
                inputs = inputs or load_inputs(ctx.workspace)
                write_draft_report(ctx.workspace, audit_id, inputs=inputs)
                reports.append(audit_id)
            except Exception as exc:  # a failing report must never lose or block intake
                log.info("draft report for %s failed: %s", audit_id, type(exc).__name__)
                problems.append(
                    f"The draft report for {audit_id} could not be written "
                    f"({_why(exc)}); the returns are safe in the ledger."
                )
    tracker = False
    retry_tracker = False
    try:
        from pipeline.tracker import update_tracker
    except ImportError:
        log.info("tracker module not available; tracker not updated")
    else:
        try:
            update_tracker(ctx.workspace)
            tracker = True
        except TrackerBusy as exc:
            retry_tracker = True
            problems.append(f"{exc.format_message()} qap will try again on its next run.")
        except Exception as exc:
            log.info("tracker update failed: %s", type(exc).__name__)
            problems.append(f"The tracker could not be updated ({_why(exc)}).")
    ledger.clear_dirty(pending)
    if retry_tracker:
        ledger.mark_dirty(TRACKER_PENDING)
    return tuple(reports), tracker, tuple(problems)


def _why(exc: Exception) -> str:
    from pipeline.errors import QapError

    return exc.format_message() if isinstance(exc, QapError) else type(exc).__name__


def _report(
    outcomes: list[Outcome], total: int, outcome: Outcome, progress: Progress | None
) -> None:
    outcomes.append(outcome)
    if progress is not None:
        progress(len(outcomes), total, outcome)


def run_inbox(
    workspace: Workspace,
    progress: Progress | None = None,
    *,
    quiet: float | None = None,
    wait: bool = True,
    on_wait: WaitNotice | None = None,
    scanner: InboxScanner | None = None,
) -> RunSummary:
    """Process every complete file in the inbox once, then rebuild reports and the tracker once.

    With `wait`, files still arriving are given a few quiet periods to finish; a watcher passes
    its own `scanner` and `wait=False` so it never blocks.
    """
    if scanner is None:
        if quiet is None:
            quiet = workspace.partnership().settings.quiet_period_seconds
        scanner = InboxScanner(workspace.inbox, quiet)
    outcomes: list[Outcome] = []
    busy: list[str] = []
    with workspace_lock(workspace, on_wait), open_ledger(workspace) as ledger:
        ctx = load_context(workspace)
        for outcome in recover(ctx, ledger):
            _report(outcomes, len(outcomes) + 1, outcome, progress)
        deadline = time.monotonic() + 3 * scanner.quiet
        while True:
            ready, waiting = scanner.scan()
            total = len(outcomes) + len(ready) + len(waiting)
            for path in ready:
                scanner.forget(path)
                try:
                    done = process_path(ctx, ledger, path)
                except OSError as exc:
                    # Locked by another program, or the share went away: leave it for next time.
                    log.warning(
                        "%s could not be taken from the inbox (%s)", path.name, exc.strerror
                    )
                    busy.append(
                        f"{path.name} could not be taken from the inbox ({exc.strerror}); qap will try again."
                    )
                    continue
                if done is not None:
                    _report(outcomes, total, done, progress)
            if not waiting or not wait or time.monotonic() >= deadline:
                break
            time.sleep(scanner.next_check())
        reports, tracker, problems = _rebuild_outputs(ctx, ledger)
    for path in waiting:
        log.info("%s is still arriving; left in the inbox", path.name)
    waited = tuple(p.name for p in waiting)
    return RunSummary(tuple(outcomes), waited, reports, tracker, (*busy, *problems))


def _check_override(ctx: Context, audit_id: str | None, agency_key: str | None) -> None:
    if audit_id is not None:
        ctx.catalogue.get(audit_id)
    if agency_key is not None and ctx.partnership.agency(agency_key) is None:
        known = ", ".join(ctx.partnership.agency_keys()) or "none"
        raise UnknownAuditError(
            f"There is no agency {agency_key!r} in {ctx.workspace.config_path}. "
            f"Known agencies: {known}."
        )


def _arrived_as(ctx: Context, ledger: Ledger, path: Path) -> str | None:
    """The name a file in archive or quarantine first arrived under, so receipts show it."""
    try:
        stored = path.resolve().relative_to(ctx.workspace.root).as_posix()
    except ValueError:
        return None
    record = ledger.file_stored_at(stored)
    return record.original_name if record else None


def _process_one(
    ctx: Context, ledger: Ledger, path: Path, audit_id: str | None, agency_key: str | None
) -> Outcome | None:
    if path.resolve().parent == ctx.workspace.inbox.resolve():
        # Already in the inbox: take it from there so no scan picks it up again.
        return process_path(ctx, ledger, path, audit_id=audit_id, agency_key=agency_key)
    claimed = claim_copy(ctx.workspace, path, utc_now(), _arrived_as(ctx, ledger, path))
    checkpoint("after-claim")
    return process_claimed(ctx, ledger, claimed, audit_id=audit_id, agency_key=agency_key)


def process_file(
    workspace: Workspace,
    path: Path,
    *,
    audit_id: str | None = None,
    agency_key: str | None = None,
    on_wait: WaitNotice | None = None,
) -> Outcome:
    """Process one file (from the inbox, or copied in from elsewhere) under the workspace lock."""
    with workspace_lock(workspace, on_wait), open_ledger(workspace) as ledger:
        ctx = load_context(workspace)
        _check_override(ctx, audit_id, agency_key)
        done = _process_one(ctx, ledger, path, audit_id, agency_key)
    if done is None:
        return Outcome(path.name, WAITING, reason="already taken by another qap process")
    return done


def ingest_files(
    workspace: Workspace,
    files: Sequence[Path],
    *,
    audit_id: str | None = None,
    agency_key: str | None = None,
    progress: Progress | None = None,
    on_wait: WaitNotice | None = None,
) -> RunSummary:
    """Bring the given files into the workspace, process them, then rebuild outputs once."""
    outcomes: list[Outcome] = []
    with workspace_lock(workspace, on_wait), open_ledger(workspace) as ledger:
        ctx = load_context(workspace)
        _check_override(ctx, audit_id, agency_key)
        for outcome in recover(ctx, ledger):
            _report(outcomes, len(files) + len(outcomes), outcome, progress)
        total = len(outcomes) + len(files)
        for path in files:
            done = _process_one(ctx, ledger, path, audit_id, agency_key)
            if done is not None:
                _report(outcomes, total, done, progress)
        reports, tracker, problems = _rebuild_outputs(ctx, ledger)
    return RunSummary(tuple(outcomes), (), reports, tracker, problems)
