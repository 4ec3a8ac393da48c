"""Updating the tracker end to end: returns from the ledger, the group's workbook, a safe write."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import TrackerBusy, TrackerError
from pipeline.model import StoredReturn
from pipeline.tracker.after_write import remember_rows
from pipeline.tracker.columns import BY_KEY, QAP_SHEETS, TRACKER_SHEET
from pipeline.tracker.items import lone_stamps
from pipeline.tracker.merge import MergeResult, offer_key
from pipeline.tracker.owner_memo import Skip, pairs_after, plan_skip
from pipeline.tracker.owner_memo import store as store_pairs
from pipeline.tracker.package import dropped_features, fingerprint, owner_files
from pipeline.tracker.package_write import PackageWriter, QapSheet, check_saved
from pipeline.tracker.plan import Context, ledger_returns, load_book, make_context, plan_merge
from pipeline.tracker.records import LogEntry
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
    AUDIT_LABEL,
    Counts,
    Label,
    ReturnsGrid,
    agency_label,
    counts_by_each,
    returns_grid,
)
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.tracker.book import Book
    from pipeline.tracker.grid_xml import Grid
    from pipeline.tracker.package_write import PackageWriter
    from pipeline.tracker.sheet_read import TrackerSheet
    from pipeline.tracker.sheet_write import SheetPatch

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
class _Figures:
    """What the rebuilt sheets show, apart from today's date."""

    by_agency: tuple[Counts, ...]
    by_audit: tuple[Counts, ...]
    grid: ReturnsGrid

    def digest(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()


def _labels(ctx: Context) -> tuple[Label, Label]:
    return agency_label(ctx.partnership), AUDIT_LABEL


def _figures(
    ctx: Context, result: MergeResult, returns: Sequence[StoredReturn], skip: Skip | None
) -> _Figures:
    partnership = ctx.partnership
    more = skip.counts if skip is not None else ()
    by_agency, by_audit = counts_by_each(result.rows, _labels(ctx), more)
    return _Figures(
        tuple(by_agency),
        tuple(by_audit),
        returns_grid(returns, ctx.catalogue, partnership, ctx.today),
    )


@dataclass
class _Draft:
    """The new package, ready to be written, and the patched Tracker sheet it holds."""

    writer: PackageWriter
    patch: SheetPatch
    log: Grid
    # The package as saved and checked (see _checker).
    saved: Book | None = None


def _render(
    ctx: Context,
    registry: Registry,
    book: Book,
    sheet: TrackerSheet,
    result: MergeResult,
    entries: Sequence[LogEntry],
    figures: _Figures,
) -> _Draft:
    """Patch the merged cells into the Tracker sheet and rebuild Summary, Returns and Log."""
    from pipeline.tracker.log_sheet import log_grid
    from pipeline.tracker.sheet_read import part_bytes
    from pipeline.tracker.sheet_write import SheetPatch, column_widths
    from pipeline.tracker.sheets import build_returns, build_summary
    from pipeline.tracker.styles_xml import Styles

    partnership = ctx.partnership
    styles_read = part_bytes(book, "styles")
    styles = Styles.parse(None if styles_read == b"-" else styles_read)
    patch = SheetPatch(sheet, styles)
    for key in sheet.missing:
        patch.header(sheet.columns[key], BY_KEY[key].header)
        log.info("tracker: column %s was missing and was added at the end", key)
    patch.new_rows(result.new_rows)
    patch.write_all(result.writes)
    patch.fit_heights(column_widths(sheet.root))
    patch.finish(max(max((r.row for r in result.rows), default=1), max(sheet.skipped, default=1)))
    title = partnership.short_name or partnership.name
    summary, chart = build_summary(styles, title, ctx.today, figures.by_agency, figures.by_audit)
    log_sheet = log_grid(styles, book, styles_read, registry, entries)
    qap = (
        QapSheet(summary, chart),
        QapSheet(build_returns(styles, figures.grid, ctx.today)),
        QapSheet(log_sheet),
    )
    writer = PackageWriter(book, styles)
    writer.sheets(patch.to_bytes(), sheet.root, qap)
    return _Draft(writer, patch, log_sheet)


def _checker(draft: _Draft, result: MergeResult) -> Callable[[Path], None]:
    """A check that the saved temp file is a sound zip with every sheet, and that the patched
    rows read back as exactly the values qap meant to write."""

    def check(temp: Path) -> None:
        draft.saved = check_saved(temp, draft.writer.saved)
        names = [entry.name for entry in draft.saved.sheets]
        missing = [name for name in (TRACKER_SHEET, *QAP_SHEETS) if name not in names]
        wrong = draft.patch.check(result.rows)
        if missing or wrong:
            raise TrackerError(
                f"qap's check of the new tracker failed (sheets missing: {missing or 'none'}, "
                f"rows differing: {wrong[:10] or 'none'}), so the tracker was not replaced. "
                "Report this to whoever supports qap."
            )

    return check


def _save(draft: _Draft, folder: Path, result: MergeResult) -> Path:
    try:
        return save_to_temp(folder, draft.writer.save, _checker(draft, result))
    except TrackerError:
        raise
    except (OSError, ValueError, UnicodeError, KeyError, zipfile.BadZipFile) as exc:
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
    if not dropped:
        return (
            f"{path.name} could not be replaced (the system refused; it may be open on another "
            f"computer), so qap did not change it. The update was written to {pending.name} beside "
            "it and will be applied the next time qap runs: close the workbook everywhere and run "
            "`qap tracker`."
        )
    return (
        f"{path.name} has no Tracker sheet and holds {'; '.join(dropped)}, which qap would lose in "
        f"making a new Tracker sheet, so qap kept {path.name} exactly as it is and wrote the update "
        f"to {pending.name} beside it. Restore the Tracker sheet (or its name) from "
        f"{path.stem}-backups/, or move those items to a separate workbook, and run `qap tracker` "
        "again; the update is applied then."
    )


def _summary_message(path: Path, result: MergeResult, backup: Path | None) -> str:
    text = (
        f"Updated {path}: {result.added} row(s) added, {result.updated} updated, "
        f"{result.conflicts} conflict(s)"
    )
    if result.conflicts:
        text += " (the group's values were kept; see the Log sheet)"
    return text + (f". Backup: {backup}" if backup else "")


def _deferred(
    pending: Path, result: MergeResult, message: str, entries: Sequence[LogEntry]
) -> TrackerResult:
    return TrackerResult(
        pending,
        written=False,
        deferred=True,
        added=result.added,
        updated=result.updated,
        conflicts=result.conflicts,
        message=message,
        changes=tuple(entries),
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration (restored after, as it was)."""
    # An update makes hundreds of thousands of short-lived strings, dicts and tuples but no
    # cycles worth finding: each collection the allocations set off walks every live object
    # (the sheet's rows, the registry's memory) for nothing, about 7% of a 5,000-row update.
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def apply_returns(
    workspace: Workspace,
    returns: Sequence[StoredReturn],
    updates: Sequence[StoredReturn],
    *,
    today: dt.date | None = None,
) -> TrackerResult:
    """Bring the tracker up to date with these returns and progress updates, safely."""
    with _collector_paused():
        return _apply(workspace, returns, updates, today)


def _apply(
    workspace: Workspace,
    returns: Sequence[StoredReturn],
    updates: Sequence[StoredReturn],
    today: dt.date | None,
) -> TrackerResult:
    ctx = make_context(workspace, today)
    path = workspace.tracker_path()
    pending = pending_path(path)
    with open_registry(workspace) as registry:
        for _ in range(ATTEMPTS):
            before = fingerprint(path)
            fresh = before is None
            owners = owner_files(path)
            # Pairs whose rows need no reading or merging (see owner_memo): none with updates.
            stamps = {} if updates else lone_stamps(returns, ctx.catalogue, ctx.partnership)
            rule = offer_key(None, ctx.rule)
            day = ctx.today.toordinal()
            skip = None if fresh or not stamps else plan_skip(registry.conn, stamps, day, rule)
            book, sheet = load_book(None if fresh else path, registry, skip)
            skip = skip if sheet.skipped else None
            if skip is not None:
                log.info(
                    "tracker: %d settled rows of %d pairs skipped",
                    len(sheet.skipped),
                    len(skip.pairs),
                )
            # Only a workbook openpyxl had to remake can lose parts; a patch copies them all.
            dropped = dropped_features(path) if book.rebuilt else []
            pair_of: dict[str, tuple[str, str]] = {}
            result, notices = plan_merge(
                ctx, registry, sheet, returns, updates, fresh, skip, pair_of
            )
            entries = _stamp([*notices, *result.log], ctx.now)
            figures = _figures(ctx, result, returns, skip)
            quiet = not (result.writes or entries or owners or dropped or pending.exists())
            if quiet and not fresh and figures.digest() == registry.sheets_digest():
                message = f"{path} is already up to date: nothing to change."
                return TrackerResult(path, False, message=message)
            draft = _render(ctx, registry, book, sheet, result, entries, figures)
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = _save(draft, path.parent, result)
            if owners or dropped:
                park(temp, pending)
                message = _deferred_message(path, pending, owners, dropped)
                log.warning(
                    "tracker %s not replaced: %s",
                    path.name,
                    "open" if owners else "would drop parts",
                )
                return _deferred(pending, result, message, entries)
            # As checked before the install: once installed, the file is the group's to change.
            assert draft.saved is not None
            try:
                saved = install(temp, path, before, ctx.now)
            except ChangedMeanwhile:
                temp.unlink(missing_ok=True)
                log.info("tracker %s changed while qap worked; trying again", path.name)
                continue
            except OpenElsewhere:
                park(temp, pending)
                message = _deferred_message(path, pending, owner_files(path), [])
                return _deferred(pending, result, message, entries)
            if fresh:
                registry.forget_cells()
            reads, settled, log_sheet, memo = remember_rows(
                draft.writer, draft.patch, draft.log, book, sheet, result, draft.saved
            )
            columns = [column for column, _ in _labels(ctx)]
            pairs = (
                pairs_after(
                    stamps, pair_of, result.rows, result.taken, settled, skip, rule, columns
                )
                if memo is not None and stamps
                else {}
            )
            # Written in the transaction commit_write commits, with the sheet memo it is tied to.
            store_pairs(registry.conn, memo.part if memo is not None else None, pairs)
            registry.commit_write(
                result.states,
                entries,
                result.gone,
                figures.digest(),
                settled,
                reads,
                log_sheet,
                memo,
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


def update_tracker(workspace: Workspace, *, today: dt.date | None = None) -> TrackerResult:
    """Update outbox/tracker.xlsx from the ledger.

    When the workbook is open or holds things the writer would drop, the update is written beside
    it (tracker.pending.xlsx) and TrackerBusy is raised with that message, so intake retries on
    its next run and applies it then.
    """
    returns, updates = ledger_returns(workspace)
    result = apply_returns(workspace, returns, updates, today=today)
    if result.deferred:
        raise TrackerBusy(result.message)
    return result
