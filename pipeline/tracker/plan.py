"""What the tracker would be: the group's workbook read, qap's rows derived, the two merged."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Partnership
from pipeline.definitions import Catalogue, load_catalogue
from pipeline.errors import TrackerError
from pipeline.model import StoredReturn, TrackerItem
from pipeline.tracker import row_memory
from pipeline.tracker.book import Book
from pipeline.tracker.columns import TRACKER_SHEET
from pipeline.tracker.hand_refs import assign_hand_refs
from pipeline.tracker.items import action_rows, combine, lead_keys, update_rows
from pipeline.tracker.merge import MergeResult, merge
from pipeline.tracker.owner_memo import Skip
from pipeline.tracker.rag import RagRule
from pipeline.tracker.records import LogEntry, SheetRow
from pipeline.tracker.registry import Registry, open_registry
from pipeline.tracker.sheet_read import TrackerSheet
from pipeline.tracker.state import Settled
from pipeline.workspace import Workspace


@dataclass(frozen=True)
class Context:
    """What one tracker run works with: the workspace, its audits, today, and the RAG rule."""

    workspace: Workspace
    catalogue: Catalogue
    today: dt.date
    now: dt.datetime
    rule: RagRule
    # Read once per run: qap.toml is parsed afresh on every workspace.partnership() call.
    partnership: Partnership


def make_context(workspace: Workspace, today: dt.date | None) -> Context:
    """The context of a run; `today` fixed by tests, else the real date."""
    partnership = workspace.partnership()
    now = dt.datetime.now().replace(microsecond=0)
    return Context(
        workspace,
        load_catalogue(workspace.audits_dir, partnership),
        today or now.date(),
        now,
        RagRule.from_settings(partnership.settings),
        partnership,
    )


def _made_by_openpyxl(path: Path | None) -> bytes:
    """A new tracker, or an old workbook given a Tracker sheet: the rare cases openpyxl handles."""
    import io

    from pipeline.tracker.workbook import load_workbook

    buffer = io.BytesIO()
    load_workbook(path).save(buffer)
    return buffer.getvalue()


def load_book(
    path: Path | None, registry: Registry, skip: Skip | None = None
) -> tuple[Book, TrackerSheet]:
    """The workbook (a new one when `path` is None) and its Tracker sheet read, reusing rows read
    before whose bytes are unchanged (and not reading the rows `skip` names, when it holds); an
    unreadable file is a TrackerError and left untouched."""
    from lxml.etree import XMLSyntaxError
    from openpyxl.utils.exceptions import InvalidFileException

    from pipeline.tracker.sheet_read import read_sheet

    try:
        book = Book(_made_by_openpyxl(None)) if path is None else Book.open(path)
        if book.sheet(TRACKER_SHEET) is None:
            book = Book(_made_by_openpyxl(path), rebuilt=True)
        entry = book.sheet(TRACKER_SHEET)
        assert entry is not None
        memo = registry.sheet_memo()
        rows = (skip.part, skip.rows) if skip is not None else None
        stored_part = book.stored_digest(entry.part)
        if (
            skip is not None
            and memo is not None
            and memo.holds(stored_part)
            and skip.part == memo.part
        ):
            # Only the rows not skipped are looked up (a row is read afresh if not found).
            digests = [d for n, d in memo.digests.items() if n not in skip.rows]
            known = row_memory.row_reads(registry.conn, digests)
            stored = row_memory.row_read_count(registry.conn)
        else:
            known = registry.row_reads()
            stored = len(known)
        sheet = read_sheet(book, entry.part, known, memo, rows)
        row_memory.keep_row_reads(registry.conn, sheet.read_now, sheet.digests.values(), stored)
        return book, sheet
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        IndexError,
        XMLSyntaxError,
    ) as exc:
        assert path is not None
        raise TrackerError(
            f"The tracker {path} cannot be opened ({type(exc).__name__}), so qap left it as it "
            f"is. Restore the latest copy from {path.stem}-backups/ or move it aside so qap "
            "makes a new one, then run `qap tracker` again."
        ) from None


def plan_merge(
    ctx: Context,
    registry: Registry,
    sheet: TrackerSheet,
    returns: Sequence[StoredReturn],
    updates: Sequence[StoredReturn],
    fresh: bool,
    skip: Skip | None = None,
    owners: dict[str, tuple[str, str]] | None = None,
) -> tuple[MergeResult, list[LogEntry]]:
    """Merge qap's rows into the Tracker sheet's (in memory); notices not yet logged. `skip`
    names the refs of the rows the sheet skipped; `owners` gets each lone pair's refs."""
    partnership = ctx.partnership
    rows, next_row = sheet.rows, sheet.next_row
    assigned = assign_hand_refs(rows, ctx.catalogue, partnership, registry)
    skipped = skip.pairs if skip is not None and sheet.skipped else {}
    actions = action_rows(returns, ctx.catalogue, partnership, registry, owners, skipped)
    # Leads matter only to progress updates; finding them reads every row's agency.
    leads: dict[str, str | None] = {}
    if updates:
        with_refs = [
            SheetRow(r.row, {**r.values, "ref": assigned[r.row]}) if r.row in assigned else r
            for r in rows
        ]
        leads = lead_keys(with_refs, actions, partnership)
    changes, notices = update_rows(updates, leads)
    result = merge(
        rows,
        combine(actions, changes),
        {} if fresh else registry.state(),
        today=ctx.today,
        rule=ctx.rule,
        assigned=assigned,
        gone_noted=frozenset() if fresh else registry.gone_noted(),
        next_row=next_row,
        settled=_settled(registry, rows, fresh, skipped),
        digests=sheet.digests,
        skipped=skip.refs if skip is not None and sheet.skipped else frozenset(),
    )
    if not notices:
        return result, []
    known = {(e.ref, e.column, e.change, e.detail, e.source) for e in registry.log_entries()}
    fresh_notices = [
        n for n in notices if (n.ref, n.column, n.change, n.detail, n.source) not in known
    ]
    return result, fresh_notices


def _settled(
    registry: Registry, rows: Sequence[SheetRow], fresh: bool, skipped: Collection[object]
) -> dict[str, Settled]:
    """Rows settled when last merged: none for a fresh tracker; only the rows read when pairs
    were skipped (a few hundred looked up, not every row fetched)."""
    if fresh:
        return {}
    if not skipped:
        return registry.settled()
    typed = (row.values.get("ref", "").strip().upper() for row in rows)
    return row_memory.settled(registry.conn, [ref for ref in typed if ref])


def ledger_returns(workspace: Workspace) -> tuple[list[StoredReturn], list[StoredReturn]]:
    """Current returns and progress updates (oldest first) from the workspace's ledger."""
    from pipeline.ledger import open_ledger

    with open_ledger(workspace) as ledger:
        return ledger.current_returns(), ledger.update_returns()


def tracker_items(
    workspace: Workspace,
    returns: Sequence[StoredReturn],
    updates: Sequence[StoredReturn],
    *,
    audit_id: str | None = None,
    today: dt.date | None = None,
) -> tuple[TrackerItem, ...]:
    """The tracker's rows as they stand once these returns are merged in (nothing is written)."""
    ctx = make_context(workspace, today)
    path = workspace.tracker_path()
    with open_registry(workspace) as registry:
        fresh = not path.exists()
        _, sheet = load_book(None if fresh else path, registry)
        result, _ = plan_merge(ctx, registry, sheet, returns, updates, fresh)
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
    returns, updates = ledger_returns(workspace)
    return tracker_items(workspace, returns, updates, audit_id=audit_id)
