"""Updating the tracker end to end: returns from the ledger, the group's workbook, a safe write."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.definitions import Catalogue, load_catalogue
from pipeline.errors import TrackerBusy, TrackerError
from pipeline.model import StoredReturn, TrackerItem
from pipeline.tracker.columns import KEYS, QAP_SHEETS, TRACKER_SHEET
from pipeline.tracker.items import action_rows, assign_hand_refs, combine, lead_keys, update_rows
from pipeline.tracker.merge import MergeResult, merge
from pipeline.tracker.package import dropped_features, fingerprint, owner_files
from pipeline.tracker.rag import RagRule
from pipeline.tracker.records import LogEntry, SheetRow
from pipeline.tracker.registry import Registry, open_registry
from pipeline.tracker.safe import (
    ChangedMeanwhile,
    OpenElsewhere,
    install,
    park,
    pending_path,
    retire_pending,
    save_to_temp,
)
from pipeline.tracker.summary import (
    Counts,
    ReturnsGrid,
    agency_label,
    audit_label,
    counts_by,
    returns_grid,
)
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from openpyxl import Workbook

log = logging.getLogger(__name__)

ATTEMPTS = 3


@dataclass(frozen=True)
class TrackerResult:
    """What an update did: the file written (the tracker, or the pending file) and what changed."""

    path: Path
    written: bool
    deferred: bool = False
    added: int = 0
    updated: int = 0
    conflicts: int = 0
    backup: Path | None = None
    message: str = ""
    changes: tuple[LogEntry, ...] = ()


@dataclass(frozen=True)
class _Context:
    workspace: Workspace
    catalogue: Catalogue
    today: dt.date
    now: dt.datetime
    rule: RagRule


def _context(workspace: Workspace, today: dt.date | None) -> _Context:
    partnership = workspace.partnership()
    now = dt.datetime.now().replace(microsecond=0)
    return _Context(
        workspace,
        load_catalogue(workspace.audits_dir, partnership),
        today or now.date(),
        now,
        RagRule.from_settings(partnership.settings),
    )


def _load(path: Path | None) -> Workbook:
    from openpyxl.utils.exceptions import InvalidFileException

    from pipeline.tracker.workbook import load_workbook

    try:
        return load_workbook(path)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        assert path is not None
        raise TrackerError(
            f"The tracker {path} cannot be opened ({type(exc).__name__}), so qap left it as it "
            f"is. Restore the latest copy from {path.stem}-backups/ or move it aside so qap "
            "makes a new one, then run `qap tracker` again."
        ) from None


def _plan(
    ctx: _Context,
    registry: Registry,
    book: Workbook,
    returns: Sequence[StoredReturn],
    updates: Sequence[StoredReturn],
    fresh: bool,
) -> tuple[MergeResult, list[LogEntry]]:
    """Merge qap's rows into the book's Tracker sheet (in memory); notices not yet logged."""
    from pipeline.tracker.workbook import column_map, read_rows

    partnership = ctx.workspace.partnership()
    sheet = book[TRACKER_SHEET]
    columns = column_map(sheet)
    rows, next_row = read_rows(sheet, columns)
    assigned = assign_hand_refs(rows, ctx.catalogue, partnership, registry)
    actions = action_rows(returns, ctx.catalogue, partnership, registry)
    with_refs = [
        SheetRow(r.row, {**r.values, "ref": assigned[r.row]}) if r.row in assigned else r
        for r in rows
    ]
    changes, notices = update_rows(updates, lead_keys(with_refs, actions, partnership))
    result = merge(
        rows,
        combine(actions, changes),
        {} if fresh else registry.state(),
        today=ctx.today,
        rule=ctx.rule,
        assigned=assigned,
        gone_noted=frozenset() if fresh else registry.gone_noted(),
        next_row=next_row,
    )
    known = {(e.ref, e.column, e.change, e.detail, e.source) for e in registry.log_entries()}
    fresh_notices = [
        n for n in notices if (n.ref, n.column, n.change, n.detail, n.source) not in known
    ]
    return result, fresh_notices


@dataclass(frozen=True)
class _Figures:
    """What the rebuilt sheets show, apart from today's date."""

    by_agency: tuple[Counts, ...]
    by_audit: tuple[Counts, ...]
    grid: ReturnsGrid

    def digest(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()


def _figures(ctx: _Context, result: MergeResult, returns: Sequence[StoredReturn]) -> _Figures:
    partnership = ctx.workspace.partnership()
    return _Figures(
        tuple(counts_by(result.rows, agency_label(partnership))),
        tuple(counts_by(result.rows, audit_label)),
        returns_grid(returns, ctx.catalogue, partnership, ctx.today),
    )


def _render(
    ctx: _Context,
    registry: Registry,
    book: Workbook,
    result: MergeResult,
    entries: Sequence[LogEntry],
    figures: _Figures,
) -> None:
    """Write the merged cells and rebuild Summary, Returns and Log."""
    from pipeline.tracker.sheets import build_log, build_returns, build_summary
    from pipeline.tracker.workbook import column_map, extend_filter, write_cells

    partnership = ctx.workspace.partnership()
    sheet = book[TRACKER_SHEET]
    write_cells(sheet, column_map(sheet), result.writes, result.new_rows)
    extend_filter(sheet, max((r.row for r in result.rows), default=1))
    title = partnership.short_name or partnership.name
    build_summary(book, title, ctx.today, figures.by_agency, figures.by_audit)
    build_returns(book, figures.grid, ctx.today)
    build_log(book, [*reversed(entries), *registry.log_entries()])
    book.active = book.sheetnames.index(TRACKER_SHEET)


def _checker(result: MergeResult) -> object:
    """A check that a saved temp file reopens and holds exactly the rows qap meant to write."""
    from pipeline.tracker.workbook import column_map, load_workbook, read_rows

    def check(temp: Path) -> None:
        book = load_workbook(temp)
        missing = [name for name in (TRACKER_SHEET, *QAP_SHEETS) if name not in book.sheetnames]
        rows, _ = read_rows(book[TRACKER_SHEET], column_map(book[TRACKER_SHEET]))
        found = {r.row: r for r in rows}
        wrong = [
            r.row
            for r in result.rows
            if r.row not in found or any(found[r.row].get(k) != r.get(k) for k in KEYS)
        ]
        if missing or wrong:
            raise TrackerError(
                f"qap's check of the new tracker failed (sheets missing: {missing or 'none'}, "
                f"rows differing: {wrong[:10] or 'none'}), so the tracker was not replaced. "
                "Report this to whoever supports qap."
            )

    return check


def _save(book: Workbook, folder: Path, result: MergeResult) -> Path:
    check = _checker(result)
    assert callable(check)
    try:
        return save_to_temp(folder, lambda temp: book.save(temp), check)
    except TrackerError:
        raise
    except (OSError, ValueError, UnicodeError, KeyError) as exc:
        raise TrackerError(
            f"qap could not save the tracker in {folder} ({type(exc).__name__}); the tracker was "
            "left exactly as it was. Check the folder is writable and has space, then run "
            "`qap tracker` again."
        ) from None


def _stamp(entries: Sequence[LogEntry], now: dt.datetime) -> list[LogEntry]:
    at = now.isoformat(timespec="seconds")
    return [replace(e, at=at) for e in entries]


def _deferred_message(
    path: Path, pending: Path, owners: Sequence[Path], dropped: Sequence[str]
) -> str:
    if owners:
        return (
            f"{path.name} is open in Excel or LibreOffice ({owners[0].name} exists), so qap did not "
            f"change it. The update was written to {pending.name} beside it and will be applied "
            "automatically the next time qap runs with the workbook closed: close it and run "
            f"`qap tracker`. (If nobody has it open, {owners[0].name} was left by a crash; delete it.)"
        )
    return (
        f"{path.name} holds {'; '.join(dropped)}, which qap's spreadsheet writer would drop, so qap "
        f"kept {path.name} exactly as it is and wrote the update to {pending.name} beside it. Move "
        "those items to a separate workbook (or remove them) and run `qap tracker` again; the update "
        "is applied then."
    )


def _summary_message(path: Path, result: MergeResult, backup: Path | None) -> str:
    text = (
        f"Updated {path}: {result.added} row(s) added, {result.updated} updated, "
        f"{result.conflicts} conflict(s)"
    )
    if result.conflicts:
        text += " (the group's values were kept; see the Log sheet)"
    return text + (f". Backup: {backup}" if backup else "")


def apply_returns(
    workspace: Workspace,
    returns: Sequence[StoredReturn],
    updates: Sequence[StoredReturn],
    *,
    today: dt.date | None = None,
) -> TrackerResult:
    """Bring the tracker up to date with these returns and progress updates, safely."""
    ctx = _context(workspace, today)
    path = workspace.tracker_path()
    pending = pending_path(path)
    with open_registry(workspace) as registry:
        for _ in range(ATTEMPTS):
            before = fingerprint(path)
            fresh = before is None
            owners = owner_files(path)
            book = _load(None if fresh else path)
            dropped = [] if fresh else dropped_features(path)
            result, notices = _plan(ctx, registry, book, returns, updates, fresh)
            entries = _stamp([*notices, *result.log], ctx.now)
            figures = _figures(ctx, result, returns)
            quiet = not (result.writes or entries or owners or dropped or pending.exists())
            if quiet and not fresh and figures.digest() == registry.sheets_digest():
                message = f"{path} is already up to date: nothing to change."
                return TrackerResult(path, False, message=message)
            _render(ctx, registry, book, result, entries, figures)
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = _save(book, path.parent, result)
            if owners or dropped:
                park(temp, pending)
                message = _deferred_message(path, pending, owners, dropped)
                log.warning(
                    "tracker %s not replaced: %s",
                    path.name,
                    "open" if owners else "would drop parts",
                )
                return TrackerResult(
                    pending,
                    False,
                    True,
                    result.added,
                    result.updated,
                    result.conflicts,
                    None,
                    message,
                    tuple(entries),
                )
            try:
                saved = install(temp, path, before, ctx.now)
            except ChangedMeanwhile:
                temp.unlink(missing_ok=True)
                log.info("tracker %s changed while qap worked; trying again", path.name)
                continue
            except OpenElsewhere:
                park(temp, pending)
                message = _deferred_message(path, pending, owner_files(path) or [path], [])
                return TrackerResult(
                    pending,
                    False,
                    True,
                    result.added,
                    result.updated,
                    result.conflicts,
                    None,
                    message,
                    tuple(entries),
                )
            if fresh:
                registry.forget_cells()
            registry.commit_write(
                result.offered, result.seen, entries, result.gone, figures.digest()
            )
            retire_pending(path, ctx.now)
            return TrackerResult(
                path,
                True,
                False,
                result.added,
                result.updated,
                result.conflicts,
                saved,
                _summary_message(path, result, saved),
                tuple(entries),
            )
    raise TrackerBusy(
        f"{path} kept changing while qap was updating it, so qap left it alone. "
        "Run `qap tracker` again when nobody is saving it."
    )


def _ledger(workspace: Workspace) -> tuple[list[StoredReturn], list[StoredReturn]]:
    from pipeline.ledger import open_ledger

    with open_ledger(workspace) as ledger:
        return ledger.current_returns(), ledger.update_returns()


def update_tracker(workspace: Workspace, *, today: dt.date | None = None) -> TrackerResult:
    """Update outbox/tracker.xlsx from the ledger.

    When the workbook is open or holds things the writer would drop, the update is written beside
    it (tracker.pending.xlsx) and TrackerBusy is raised with that message, so intake retries on
    its next run and applies it then.
    """
    returns, updates = _ledger(workspace)
    result = apply_returns(workspace, returns, updates, today=today)
    if result.deferred:
        raise TrackerBusy(result.message)
    return result


def tracker_items(
    workspace: Workspace,
    returns: Sequence[StoredReturn],
    updates: Sequence[StoredReturn],
    *,
    audit_id: str | None = None,
    today: dt.date | None = None,
) -> tuple[TrackerItem, ...]:
    """The tracker's rows as they stand once these returns are merged in (nothing is written)."""
    ctx = _context(workspace, today)
    path = workspace.tracker_path()
    with open_registry(workspace) as registry:
        fresh = not path.exists()
        book = _load(None if fresh else path)
        result, _ = _plan(ctx, registry, book, returns, updates, fresh)
    return tuple(
        TrackerItem(
            ref=r.get("ref"),
            audit_id=r.get("audit"),
            source=r.get("source"),
            theme=r.get("theme"),
            text=r.get("text"),
            lead_agency=r.get("lead_agency"),
            owner=r.get("owner"),
            target_date=r.get("revised_target") or r.get("target") or None,
            status=r.get("status"),
            rag=r.get("rag"),
        )
        for r in result.rows
        if r.get("ref") and (audit_id is None or r.get("audit") == audit_id)
    )


def read_tracker_items(
    workspace: Workspace, audit_id: str | None = None
) -> tuple[TrackerItem, ...]:
    """The tracker's items (the group's edits included), optionally for one audit only."""
    returns, updates = _ledger(workspace)
    return tracker_items(workspace, returns, updates, audit_id=audit_id)
